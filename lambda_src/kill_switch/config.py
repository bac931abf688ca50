"""The configuration the construct hands to the kill-switch functions: one dataclass for both sides.

``buttress.kill_switch`` builds a :class:`Config` (values may be CloudFormation tokens) and writes
it with :meth:`Config.to_environment`; the functions read it with :meth:`Config.from_environment`.
Every default is written here only. Standard library only: the construct imports this module as
``buttress._lambda_src.kill_switch.config``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

#: The one environment variable that carries the configuration (JSON).
ENVIRONMENT_VARIABLE = "KILL_SWITCH_CONFIG"
#: The tag that keeps a resource out of the switch's reach (the switch tags its own resources with it).
EXEMPT_TAG_KEY = "buttress:kill-switch"
EXEMPT_TAG_VALUE = "exempt"


class Kind(StrEnum):
    """The kinds of resource the switch acts on; anything else is refused, never guessed."""

    LAMBDA = "lambda"
    ECS = "ecs"
    EC2 = "ec2"
    IAM = "iam"
    RDS = "rds"
    RDS_CLUSTER = "rds-cluster"
    ASG = "asg"
    SAGEMAKER = "sagemaker"
    EKS = "eks-nodegroup"
    APPRUNNER = "apprunner"
    #: A service control policy attached to an account or OU (issue 25; see ``scp.py``).
    SCP = "scp"

    @classmethod
    def parse(cls, value: object) -> Kind:
        """``value`` as a :class:`Kind`; ``ValueError`` naming the known kinds otherwise."""
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown resource kind {value!r}: not one of {[k.value for k in cls]}") from None


KINDS: tuple[Kind, ...] = tuple(Kind)
_REQUIRED = ("switch_id", "budget_name", "account_id", "table_name", "summary_topic_arn", "tag_key", "tag_value")
_LISTS = ("iam_groups", "iam_roles", "iam_users", "protected_functions", "regions", "scp_targets")
#: Fields left out of the environment while empty, so a switch without them keeps its template.
_OMITTED_WHEN_EMPTY = ("protected_functions", "regions", "tripwires", "stages", "scp_targets", "scp_policy_id", "chat")


@dataclass(frozen=True)
class Config:
    """The switch's settings. Field order is the order of the keys in the environment variable."""

    switch_id: str
    budget_name: str
    account_id: str
    table_name: str
    summary_topic_arn: str
    tag_key: str
    tag_value: str
    exempt_tag_key: str = EXEMPT_TAG_KEY
    exempt_tag_value: str = EXEMPT_TAG_VALUE
    actions: tuple[Kind, ...] = KINDS
    iam_groups: tuple[str, ...] = ()
    iam_roles: tuple[str, ...] = ()
    iam_users: tuple[str, ...] = ()
    deny_policy_arn: str = ""
    dry_run: bool = False
    max_workers: int = 8
    #: Stop EC2 instances with instance-store volumes too (their data is lost); else reported and left alone.
    ec2_instance_store: bool = False
    #: Regions whose tagged resources the switch acts on; empty: the functions' own region only.
    regions: tuple[str, ...] = ()
    #: Function names never throttled (the switch's own); only the engage function has any.
    protected_functions: tuple[str, ...] = ()
    #: Tripwire alarms that engage the switch: ``(alarm name, source name, stage name or "")``.
    tripwires: tuple[tuple[str, str, str], ...] = ()
    #: Escalating stages, lowest first: ``(name, percent of the budget, kinds)``; empty: one stage.
    stages: tuple[tuple[str, float, tuple[str, ...]], ...] = ()
    #: Accounts and OUs the switch's service control policy is attached to, and that policy's id.
    scp_targets: tuple[str, ...] = ()
    scp_policy_id: str = ""
    #: A chat channel reads the operator topic: summaries go as Chatbot custom notifications too.
    chat: bool = False

    # --- to the environment (the construct) -----------------------------------------------------

    def to_json_object(self) -> dict[str, Any]:
        """The JSON object written to :data:`ENVIRONMENT_VARIABLE` (``protected_functions`` only when set)."""
        out: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in _OMITTED_WHEN_EMPTY and not value:
                continue
            if field.name == "actions":
                value = [Kind.parse(kind).value for kind in value]
            elif isinstance(value, tuple):
                value = _lists(value)
            out[field.name] = value
        return out

    def to_environment(self, dumps: Callable[[Any], str] = json.dumps) -> dict[str, str]:
        """The function's environment variables; the construct passes ``Stack.to_json_string`` as ``dumps``."""
        return {ENVIRONMENT_VARIABLE: dumps(self.to_json_object())}

    # --- from the environment (the functions) ---------------------------------------------------

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Config:
        """Read :data:`ENVIRONMENT_VARIABLE` of ``environ`` (``os.environ`` in Lambda)."""
        if ENVIRONMENT_VARIABLE not in environ:
            raise ValueError(f"{ENVIRONMENT_VARIABLE} is not set")
        return cls.from_json(environ[ENVIRONMENT_VARIABLE])

    @classmethod
    def from_json(cls, text: str) -> Config:
        """Parse the JSON :meth:`to_json_object` writes; raise ``ValueError`` naming what is wrong."""
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError(f"{ENVIRONMENT_VARIABLE} must be a JSON object")
        missing = [k for k in _REQUIRED if not isinstance(raw.get(k), str) or not raw[k]]
        if missing:
            raise ValueError(f"{ENVIRONMENT_VARIABLE} lacks {missing}")
        known = {field.name for field in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in raw.items() if k in known}
        if "actions" in values:
            try:
                values["actions"] = tuple(Kind.parse(a) for a in values["actions"])
            except ValueError as error:
                raise ValueError(f"{ENVIRONMENT_VARIABLE} actions: {error}") from None
        for name in _LISTS:
            if name in values:
                values[name] = tuple(str(v) for v in values[name])
        values.update(_parse_extensions(values))
        for name in ("exempt_tag_key", "exempt_tag_value", "deny_policy_arn", "scp_policy_id"):
            if name in values:
                values[name] = str(values[name])
        for name in ("dry_run", "ec2_instance_store", "chat"):
            if name in values:
                values[name] = bool(values[name])
        if "max_workers" in values:
            values["max_workers"] = max(1, int(values["max_workers"]))
        config = cls(**values)
        if Kind.IAM in config.actions and not config.deny_policy_arn:
            raise ValueError(f"{ENVIRONMENT_VARIABLE} has the iam action but no deny_policy_arn")
        if config.scp_targets and not config.scp_policy_id:
            raise ValueError(f"{ENVIRONMENT_VARIABLE} has scp_targets but no scp_policy_id")
        return config


def _lists(value: Any) -> Any:
    """Tuples (nested ones too) as JSON lists: the CDK's JSON serializer takes lists only."""
    return [_lists(v) for v in value] if isinstance(value, (tuple, list)) else value


def _parse_extensions(values: Mapping[str, Any]) -> dict[str, Any]:
    """``tripwires`` and ``stages`` from their JSON lists, every member type-converted."""
    out: dict[str, Any] = {}
    try:
        if "tripwires" in values:
            out["tripwires"] = tuple((str(a), str(s), str(g)) for a, s, g in values["tripwires"])
        if "stages" in values:
            out["stages"] = tuple(
                (str(n), float(p), tuple(Kind.parse(k).value for k in kinds)) for n, p, kinds in values["stages"]
            )
    except (TypeError, ValueError) as error:
        raise ValueError(f"{ENVIRONMENT_VARIABLE} tripwires/stages: {error}") from None
    return out
