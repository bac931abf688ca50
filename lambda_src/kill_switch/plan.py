"""Kill-switch planning: which resources to touch, what engaging does, what restoring puts back.

Pure: no boto3, no I/O. The handlers read the current state of each resource, ask this module
what to do, record the answer, then carry it out, so every decision here is unit-testable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import KINDS, Config, Kind

#: Resource Groups Tagging API resource types for the tag-selected kinds (IAM is named, not tagged).
#: Auto Scaling groups (found with DescribeAutoScalingGroups' tag filter) and EKS node groups
#: (through the EKS API) are not listed here.
TAGGING_TYPES: Mapping[Kind, str] = {
    Kind.LAMBDA: "lambda:function",
    Kind.ECS: "ecs:service",
    Kind.EC2: "ec2:instance",
    Kind.RDS: "rds:db",
    Kind.RDS_CLUSTER: "rds:cluster",
    Kind.SAGEMAKER: "sagemaker:notebook-instance",
    Kind.APPRUNNER: "apprunner:service",
}
#: Kinds AWS starts again by itself while stopped (RDS and Aurora after seven days): the schedule
#: re-stops them while the switch is engaged.
RESTARTED_BY_AWS = frozenset({Kind.RDS, Kind.RDS_CLUSTER})
#: Auto Scaling processes that would launch or replace instances (or resize the group) while engaged.
#: ``Terminate`` stays on: the group must be able to shed its instances at size 0.
ASG_SUSPEND = ("AZRebalance", "AlarmNotification", "InstanceRefresh", "Launch", "ReplaceUnhealthy", "ScheduledActions")
#: Every Auto Scaling process, so a restore can resume exactly those not recorded as suspended.
ASG_PROCESSES = (*ASG_SUSPEND, "AddToLoadBalancer", "HealthCheck", "Terminate")
#: The tag EC2 Auto Scaling puts on its instances: those are stopped through their group.
ASG_INSTANCE_TAG = "aws:autoscaling:groupName"
IAM_PRINCIPAL_TYPES = ("group", "role", "user")
#: EC2 states in which an instance costs money and ``StopInstances`` applies.
EC2_STOPPABLE = frozenset({"pending", "running"})
#: What engaging does to an ECS service's Application Auto Scaling target: bounds 0 and every
#: kind of scaling suspended, so neither a policy nor a scheduled action brings tasks back.
ECS_SUSPENDED = {
    "DynamicScalingInSuspended": True,
    "DynamicScalingOutSuspended": True,
    "ScheduledScalingSuspended": True,
}


def tagging_types(config: Config) -> list[str]:
    """``ResourceTypeFilters`` for the enabled tag-selected kinds."""
    return [TAGGING_TYPES[k] for k in config.actions if k in TAGGING_TYPES]


@dataclass(frozen=True)
class Target:
    """One resource the switch may act on. ``ident`` is an ARN (tagged kinds) or ``type/name`` (IAM)."""

    kind: Kind
    ident: str

    @property
    def key(self) -> str:
        """The record key: unique per resource and stable across runs."""
        return f"{self.kind}#{self.ident}"

    @classmethod
    def from_key(cls, key: str) -> Target:
        kind, _, ident = key.partition("#")
        if kind not in KINDS or not ident:
            raise ValueError(f"not a kill-switch record key: {key!r}")
        return cls(Kind(kind), ident)


@dataclass
class Selection:
    """The outcome of :func:`select`: targets to act on, and what was left alone and why."""

    targets: list[Target] = field(default_factory=list)
    excluded: list[tuple[Target, str]] = field(default_factory=list)


def kind_of_arn(arn: str) -> Kind | None:
    """The kind of a tagged resource ARN, or None for anything the switch does not handle."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    service, resource = parts[2], parts[5]
    if service == "lambda" and resource.startswith("function:"):
        return Kind.LAMBDA
    if service == "ecs" and resource.startswith("service/"):
        return Kind.ECS
    if service == "ec2" and resource.startswith("instance/"):
        return Kind.EC2
    if service == "rds" and resource.startswith("db:"):
        return Kind.RDS
    if service == "rds" and resource.startswith("cluster:"):
        return Kind.RDS_CLUSTER
    if service == "autoscaling" and resource.startswith("autoScalingGroup:"):
        return Kind.ASG
    if service == "sagemaker" and resource.startswith("notebook-instance/"):
        return Kind.SAGEMAKER
    if service == "eks" and resource.startswith("nodegroup/"):
        return Kind.EKS
    if service == "apprunner" and resource.startswith("service/"):
        return Kind.APPRUNNER
    return None


def eks_cluster_nodegroup(arn: str) -> tuple[str, str]:
    """``...:nodegroup/CLUSTER/NODEGROUP/UUID`` -> ``(CLUSTER, NODEGROUP)``."""
    parts = arn.split(":", 5)[5].split("/")
    if len(parts) != 4:
        raise ValueError(f"{arn} is not an EKS node group ARN")
    return parts[1], parts[2]


def arn_name(arn: str) -> str:
    """The name at the end of an RDS (``db:NAME``, ``cluster:NAME``), Auto Scaling
    (``...:autoScalingGroupName/NAME``) or SageMaker (``notebook-instance/NAME``) ARN."""
    resource = arn.split(":", 5)[5]
    if resource.startswith(("db:", "cluster:")):
        return resource.split(":", 1)[1]
    return resource.rsplit("/", 1)[-1]


def lambda_name(arn: str) -> str:
    """``arn:aws:lambda:r:a:function:NAME[:qualifier]`` -> ``NAME``."""
    return arn.split(":")[6]


def ecs_cluster_service(arn: str) -> tuple[str, str]:
    """``...:service/CLUSTER/SERVICE`` -> ``(CLUSTER, SERVICE)``.

    The old short ARN format (``service/SERVICE``) does not name the cluster, so it cannot be
    acted on safely: raise ``ValueError`` (reported as a failure for that service).
    """
    parts = arn.split(":", 5)[5].split("/")
    if len(parts) != 3:
        raise ValueError(f"{arn} uses the old ECS ARN format without the cluster name")
    return parts[1], parts[2]


def ec2_instance_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def select(tagged: Iterable[tuple[str, Mapping[str, str]]], config: Config) -> Selection:
    """Choose targets from ``(arn, tags)`` pairs (Tagging API output) plus the named IAM principals.

    Only resources whose tag ``config.tag_key`` equals ``config.tag_value`` are chosen, never by
    name; resources carrying the exempt tag and the switch's own functions are excluded, as are
    kinds whose action is disabled.
    """
    result = Selection()
    seen: set[str] = set()
    for arn, tags in tagged:
        kind = kind_of_arn(arn)
        if kind is None or arn in seen:
            continue
        seen.add(arn)
        target = Target(kind, arn)
        if kind not in config.actions:
            result.excluded.append((target, "action disabled"))
        elif tags.get(config.tag_key) != config.tag_value:
            result.excluded.append((target, "not tagged"))
        elif tags.get(config.exempt_tag_key) == config.exempt_tag_value:
            result.excluded.append((target, "exempt tag"))
        elif kind == Kind.LAMBDA and lambda_name(arn) in config.protected_functions:
            result.excluded.append((target, "kill-switch function"))
        elif kind == Kind.EC2 and Kind.ASG in config.actions and ASG_INSTANCE_TAG in tags:
            result.excluded.append((target, f"in Auto Scaling group {tags[ASG_INSTANCE_TAG]!r}: stopped by the group"))
        else:
            result.targets.append(target)
    if Kind.IAM in config.actions:
        for type_, names in (("group", config.iam_groups), ("role", config.iam_roles), ("user", config.iam_users)):
            result.targets.extend(Target(Kind.IAM, f"{type_}/{name}") for name in dict.fromkeys(names))
    if Kind.SCP in config.actions:
        result.targets.extend(Target(Kind.SCP, target) for target in dict.fromkeys(config.scp_targets))
    return result


def left_alone(kind: Kind, previous: Mapping[str, Any], config: Config) -> str:
    """Why a selected resource is reported and not changed (``""`` when it is changed)."""
    if kind == Kind.EC2 and previous.get("instanceStore") and not config.ec2_instance_store:
        return "instance-store volumes lose their data when stopped: left alone (ec2_instance_store=True stops it)"
    if kind == Kind.RDS and previous.get("cluster"):
        return f"member of Aurora cluster {previous['cluster']!r}: stopped with its cluster"
    return ""


def engaged_state(kind: Kind, previous: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The state engaging sets, or None when ``previous`` already is that state (nothing to do).

    ``previous`` is the state read from AWS, in the shape recorded in the store:
    lambda ``{"reserved": int|None}``; ecs ``{"desired": int, "scaling": {"min", "max",
    "suspended"}|None}``; ec2 ``{"state": str, "instanceStore": bool}``; iam ``{"attached": bool}``;
    rds ``{"status": str, "cluster": str|None}``; rds-cluster ``{"status": str}``; asg ``{"min",
    "max", "desired": int, "suspended": [process names]}``; sagemaker ``{"status": str}``;
    eks-nodegroup ``{"min", "max", "desired": int}``; apprunner ``{"status": str}``.
    """
    if kind == Kind.LAMBDA:
        return None if previous.get("reserved") == 0 else {"reserved": 0}
    if kind == Kind.ECS:
        scaling = previous.get("scaling")
        target_scaling = None if scaling is None else {"min": 0, "max": 0, "suspended": dict(ECS_SUSPENDED)}
        if previous.get("desired") == 0 and (scaling is None or _scaling_equal(scaling, target_scaling)):
            return None
        return {"desired": 0, "scaling": target_scaling}
    if kind == Kind.EC2:
        return {"state": "stopped"} if previous.get("state") in EC2_STOPPABLE else None
    if kind in (Kind.IAM, Kind.SCP):
        return None if previous.get("attached") else {"attached": True}
    if kind in (Kind.RDS, Kind.RDS_CLUSTER):
        return {"status": "stopped"} if previous.get("status") == "available" else None
    if kind == Kind.SAGEMAKER:
        return {"status": "Stopped"} if previous.get("status") == "InService" else None
    if kind == Kind.EKS:
        # EKS requires maxSize >= 1: min and desired go to 0, max stays (nothing launches at desired 0).
        if previous.get("min") == 0 and previous.get("desired") == 0:
            return None
        return {"min": 0, "max": previous["max"], "desired": 0}
    if kind == Kind.APPRUNNER:
        return {"status": "PAUSED"} if previous.get("status") == "RUNNING" else None
    if kind == Kind.ASG:
        wanted = {"min": 0, "max": 0, "desired": 0, "suspended": sorted({*previous.get("suspended", ()), *ASG_SUSPEND})}
        same = all(previous.get(k) == v for k, v in wanted.items() if k != "suspended")
        return None if same and sorted(previous.get("suspended", ())) == wanted["suspended"] else wanted
    raise ValueError(f"unknown resource kind {kind!r}")


def _scaling_equal(a: Mapping[str, Any], b: Mapping[str, Any] | None) -> bool:
    if b is None:
        return False
    suspended = {k: bool((a.get("suspended") or {}).get(k)) for k in ECS_SUSPENDED}
    return bool(a.get("min") == b["min"] and a.get("max") == b["max"] and suspended == b["suspended"])


def restore_state(kind: Kind, previous: Mapping[str, Any]) -> Mapping[str, Any]:
    """What restoring puts back: exactly the recorded previous state.

    For EC2 that is "running" only because a record exists solely for an instance the switch
    stopped; for IAM it is "not attached" only because a record exists solely where the switch
    attached the policy itself.
    """
    if kind == Kind.EC2:
        return {"state": "running"}
    if kind in (Kind.IAM, Kind.SCP):
        return {"attached": False}
    if kind in (Kind.RDS, Kind.RDS_CLUSTER):
        return {"status": "available"}
    if kind == Kind.SAGEMAKER:
        return {"status": "InService"}
    if kind == Kind.ASG:
        return {k: previous[k] for k in ("min", "max", "desired", "suspended")}
    if kind == Kind.EKS:
        return {k: previous[k] for k in ("min", "max", "desired")}
    if kind == Kind.APPRUNNER:
        return {"status": "RUNNING"}
    if kind in (Kind.LAMBDA, Kind.ECS):
        return dict(previous)
    raise ValueError(f"unknown resource kind {kind!r}")


@dataclass
class Summary:
    """Counts and details of one engage or restore run, by kind, for the operators' message."""

    action: str
    dry_run: bool
    #: What engaged the switch (budgets, tripwire:<name>, drill) and the stage, when known.
    source: str = ""
    stage: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    details: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str, outcome: str, ident: str, reason: str = "") -> None:
        """Count one outcome (``changed``, ``skipped``, ``failed`` or ``deferred``); thread-safe."""
        kind = str(kind)  # a Kind counts under its plain value
        with self._lock:
            by_kind = self.counts.setdefault(kind, {"changed": 0, "skipped": 0, "failed": 0, "deferred": 0})
            by_kind[outcome] = by_kind.get(outcome, 0) + 1
            # Exception texts can be long; 500 characters keep 200 details far below SNS's 256 KB.
            self.details.append({"kind": kind, "outcome": outcome, "resource": ident, "reason": reason[:500]})

    def total(self, outcome: str) -> int:
        return sum(c.get(outcome, 0) for c in self.counts.values())

    def subject(self, budget_name: str) -> str:
        """An SNS subject: printable ASCII, at most 100 characters."""
        mode = " DRY RUN" if self.dry_run else ""
        text = (
            f"kill-switch {self.action}{mode} {budget_name}: {self.total('changed')} changed, "
            f"{self.total('failed')} failed, {self.total('deferred')} deferred"
        )
        return "".join(c if " " <= c <= "~" else "?" for c in text)[:100]

    def message(self, switch_id: str, limit: int = 200) -> str:
        """The JSON body: counts by kind, then up to ``limit`` non-skipped details (SNS caps at 256 KB)."""
        interesting = [d for d in self.details if d["outcome"] != "skipped"]
        body = {
            "switch": switch_id,
            "action": self.action,
            "dryRun": self.dry_run,
            "counts": self.counts,
            "details": interesting[:limit],
            "detailsOmitted": max(0, len(interesting) - limit),
            **({"source": self.source} if self.source else {}),
            **({"stage": self.stage} if self.stage else {}),
        }
        return json.dumps(body, indent=1, sort_keys=True)
