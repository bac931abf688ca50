"""The AWS side of the switch: find tagged resources, read their state, set a state.

Every function takes boto3 clients (a :class:`Clients`), so tests hand in moto-backed ones.
Every call goes through :func:`retry.with_backoff`; every listing is paginated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from . import scp
from .config import Config, Kind
from .plan import (
    ASG_PROCESSES,
    ECS_SUSPENDED,
    Target,
    arn_name,
    ec2_instance_id,
    ecs_cluster_service,
    eks_cluster_nodegroup,
    lambda_name,
    tagging_types,
)
from .retry import with_backoff

if TYPE_CHECKING:  # the pinned boto3-stubs; the Lambda runtime never imports them
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_sns import SNSClient

_ECS_DIMENSION: Final = "ecs:service:DesiredCount"
#: Kinds whose API takes the name at the end of the ARN.
_NAMED_BY_ARN: Final = frozenset({Kind.RDS, Kind.RDS_CLUSTER, Kind.ASG, Kind.SAGEMAKER, Kind.EKS, Kind.APPRUNNER})


@dataclass(frozen=True)
class Clients:
    """The boto3 clients the switch uses (any may be a moto-backed client in tests)."""

    tagging: ResourceGroupsTaggingAPIClient
    lambda_: LambdaClient
    ecs: ECSClient
    autoscaling: ApplicationAutoScalingClient
    ec2: EC2Client
    iam: IAMClient
    dynamodb: DynamoDBClient
    sns: SNSClient
    rds: RDSClient
    #: EC2 Auto Scaling, SageMaker, EKS, App Runner: boto3 clients (no stubs pinned for them, hence Any).
    asg: Any
    sagemaker: Any
    eks: Any
    apprunner: Any
    #: AWS Organizations (global), for the service control policy; ``None`` when not built.
    organizations: Any = None
    #: The region these clients call, and how to build the same clients for another region
    #: (``None``: this region only). IAM is global: the home clients handle it.
    region: str = ""
    factory: Any = field(default=None, repr=False, compare=False)
    _regional: dict[str, Clients] = field(default_factory=dict, repr=False, compare=False)

    def in_region(self, region: str) -> Clients:
        """The same clients in ``region`` (built once); these ones for ``""`` or their own region."""
        if not region or region == self.region or self.factory is None:
            return self
        if region not in self._regional:
            self._regional[region] = self.factory(region)
        return self._regional[region]

    def for_target(self, target: Target) -> Clients:
        """The clients of the region in the target's ARN (IAM principals: these, the home ones)."""
        parts = target.ident.split(":")
        return self.in_region(parts[3]) if len(parts) > 3 and parts[0] == "arn" else self


def discover_all(clients: Clients, config: Config) -> Iterator[tuple[str, dict[str, str]]]:
    """:func:`discover` (the Tagging API) plus the tagged Auto Scaling groups, which it does not list."""
    yield from discover(clients, config)
    if Kind.ASG in config.actions:
        yield from _discover_groups(clients, config)
    if Kind.EKS in config.actions:
        yield from _discover_nodegroups(clients)


def _discover_nodegroups(clients: Clients) -> Iterator[tuple[str, dict[str, str]]]:
    """Every managed node group with its tags (``select`` keeps the tagged ones), all pages."""
    clusters = with_backoff(lambda: list(clients.eks.get_paginator("list_clusters").paginate()))
    for cluster in (name for page in clusters for name in page.get("clusters", [])):
        pages = with_backoff(
            lambda c=cluster: list(clients.eks.get_paginator("list_nodegroups").paginate(clusterName=c))  # type: ignore[misc]
        )
        for nodegroup in (name for page in pages for name in page.get("nodegroups", [])):
            found = with_backoff(
                lambda c=cluster, n=nodegroup: clients.eks.describe_nodegroup(clusterName=c, nodegroupName=n)  # type: ignore[misc]
            )["nodegroup"]
            yield found["nodegroupArn"], dict(found.get("tags") or {})


def _discover_groups(clients: Clients, config: Config) -> Iterator[tuple[str, dict[str, str]]]:
    token = ""
    while True:
        kwargs: dict[str, Any] = {"Filters": [{"Name": f"tag:{config.tag_key}", "Values": [config.tag_value]}]}
        if token:
            kwargs["NextToken"] = token
        page = with_backoff(lambda kw=kwargs: clients.asg.describe_auto_scaling_groups(**kw))  # type: ignore[misc]
        for group in page.get("AutoScalingGroups", []):
            yield group["AutoScalingGroupARN"], {t["Key"]: t["Value"] for t in group.get("Tags", [])}
        token = page.get("NextToken", "")
        if not token:
            return


def discover(clients: Clients, config: Config) -> Iterator[tuple[str, dict[str, str]]]:
    """``(arn, tags)`` of every resource tagged ``tag_key=tag_value`` of an enabled kind, all pages."""
    types = tagging_types(config)
    if not types:
        return
    token = ""
    while True:
        page = with_backoff(
            lambda t=token: clients.tagging.get_resources(  # type: ignore[misc]
                TagFilters=[{"Key": config.tag_key, "Values": [config.tag_value]}],
                ResourceTypeFilters=types,
                ResourcesPerPage=100,
                PaginationToken=t,
            )
        )
        for mapping in page.get("ResourceTagMappingList", []):
            yield mapping["ResourceARN"], {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
        token = page.get("PaginationToken", "")
        if not token:
            return


# --- read the current state (the "previous" that a record keeps) -----------------------------


def read_state(clients: Clients, config: Config, target: Target) -> dict[str, Any]:
    if target.kind == Kind.LAMBDA:
        response = with_backoff(lambda: clients.lambda_.get_function_concurrency(FunctionName=target.ident))
        reserved = response.get("ReservedConcurrentExecutions")
        return {"reserved": None if reserved is None else int(reserved)}
    if target.kind == Kind.ECS:
        cluster, service = ecs_cluster_service(target.ident)
        found = with_backoff(lambda: clients.ecs.describe_services(cluster=cluster, services=[service]))
        services = [s for s in found.get("services", []) if s.get("status") == "ACTIVE"]
        if not services:
            raise LookupError(f"ECS service {cluster}/{service} not found or not active")
        return {"desired": int(services[0]["desiredCount"]), "scaling": _read_scaling(clients, cluster, service)}
    if target.kind == Kind.EC2:
        instance_id = ec2_instance_id(target.ident)
        reservations = with_backoff(lambda: clients.ec2.describe_instances(InstanceIds=[instance_id]))
        instances = [i for r in reservations.get("Reservations", []) for i in r.get("Instances", [])]
        if not instances:
            return {"state": "absent", "instanceStore": False}
        return {"state": instances[0]["State"]["Name"], "instanceStore": _instance_store(clients, instances[0])}
    if target.kind == Kind.IAM:
        return {"attached": _iam_attached(clients, config, target)}
    if target.kind == Kind.SCP:
        return {"attached": scp.attached(clients.organizations, config, target)}
    return _read_more(clients, target)


def _instance_store(clients: Clients, instance: Any) -> bool:
    """Whether stopping loses data: an instance-store root, or an instance type with instance storage."""
    if instance.get("RootDeviceType") == "instance-store":
        return True
    found = with_backoff(lambda: clients.ec2.describe_instance_types(InstanceTypes=[instance["InstanceType"]]))
    return any(t.get("InstanceStorageSupported") for t in found.get("InstanceTypes", []))


def _read_more(clients: Clients, target: Target) -> dict[str, Any]:
    if target.kind not in _NAMED_BY_ARN:
        raise ValueError(f"unknown resource kind {target.kind!r}")
    name = arn_name(target.ident)
    if target.kind == Kind.RDS:
        (db,) = with_backoff(lambda: clients.rds.describe_db_instances(DBInstanceIdentifier=name))["DBInstances"]
        return {"status": db["DBInstanceStatus"], "cluster": db.get("DBClusterIdentifier")}
    if target.kind == Kind.RDS_CLUSTER:
        (cluster,) = with_backoff(lambda: clients.rds.describe_db_clusters(DBClusterIdentifier=name))["DBClusters"]
        return {"status": cluster["Status"]}
    if target.kind == Kind.ASG:
        groups = with_backoff(lambda: clients.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name]))
        found = groups.get("AutoScalingGroups", [])
        if not found:
            raise LookupError(f"Auto Scaling group {name} not found")
        group = found[0]
        return {
            "min": int(group["MinSize"]),
            "max": int(group["MaxSize"]),
            "desired": int(group["DesiredCapacity"]),
            "suspended": sorted(p["ProcessName"] for p in group.get("SuspendedProcesses", [])),
        }
    if target.kind == Kind.SAGEMAKER:
        notebook = with_backoff(lambda: clients.sagemaker.describe_notebook_instance(NotebookInstanceName=name))
        return {"status": notebook["NotebookInstanceStatus"]}
    if target.kind == Kind.EKS:
        eks_cluster, nodegroup = eks_cluster_nodegroup(target.ident)
        found = with_backoff(lambda: clients.eks.describe_nodegroup(clusterName=eks_cluster, nodegroupName=nodegroup))
        scaling = found["nodegroup"]["scalingConfig"]
        return {"min": int(scaling["minSize"]), "max": int(scaling["maxSize"]), "desired": int(scaling["desiredSize"])}
    if target.kind == Kind.APPRUNNER:
        service = with_backoff(lambda: clients.apprunner.describe_service(ServiceArn=target.ident))["Service"]
        return {"status": service["Status"]}
    raise ValueError(f"unknown resource kind {target.kind!r}")


def _read_scaling(clients: Clients, cluster: str, service: str) -> dict[str, Any] | None:
    resource_id = f"service/{cluster}/{service}"
    paginator = clients.autoscaling.get_paginator("describe_scalable_targets")
    pages = with_backoff(
        lambda: list(
            paginator.paginate(ServiceNamespace="ecs", ResourceIds=[resource_id], ScalableDimension=_ECS_DIMENSION)
        )
    )
    for page in pages:
        for target in page.get("ScalableTargets", []):
            if target.get("ResourceId") == resource_id:
                state = target.get("SuspendedState") or {}
                return {
                    "min": int(target["MinCapacity"]),
                    "max": int(target["MaxCapacity"]),
                    "suspended": {k: bool(state.get(k, False)) for k in ECS_SUSPENDED},
                }
    return None


#: IAM principal type -> (name parameter, list-attached operation, attach operation, detach operation).
_IAM_CALLS = {
    "group": ("GroupName", "list_attached_group_policies", "attach_group_policy", "detach_group_policy"),
    "role": ("RoleName", "list_attached_role_policies", "attach_role_policy", "detach_role_policy"),
    "user": ("UserName", "list_attached_user_policies", "attach_user_policy", "detach_user_policy"),
}


def _iam_split(target: Target) -> tuple[str, str, tuple[str, str, str, str]]:
    """``(type, name, calls)`` of an IAM target ``type/name``; ``ValueError`` for an unknown type."""
    type_, _, name = target.ident.partition("/")
    if type_ not in _IAM_CALLS:
        raise ValueError(f"unknown IAM principal type {type_!r} in {target.ident!r}")
    return type_, name, _IAM_CALLS[type_]


def _iam_attached(clients: Clients, config: Config, target: Target) -> bool:
    _, name, (param, operation, _, _) = _iam_split(target)
    paginator: Any = clients.iam.get_paginator(operation)  # type: ignore[call-overload]
    pages = with_backoff(lambda: list(paginator.paginate(**{param: name})))
    return any(p["PolicyArn"] == config.deny_policy_arn for page in pages for p in page.get("AttachedPolicies", []))


# --- set a state -------------------------------------------------------------------------------


def apply_state(clients: Clients, config: Config, target: Target, state: Mapping[str, Any]) -> None:
    """Make ``target`` be in ``state`` (an engaged state, or the recorded previous one on restore).

    Every operation here is idempotent: applying the same state twice changes nothing more.
    """
    if target.kind == Kind.LAMBDA:
        name = lambda_name(target.ident)
        reserved = state.get("reserved")
        if reserved is None:
            with_backoff(lambda: clients.lambda_.delete_function_concurrency(FunctionName=name))
        else:
            with_backoff(
                lambda: clients.lambda_.put_function_concurrency(
                    FunctionName=name, ReservedConcurrentExecutions=int(reserved)
                )
            )
    elif target.kind == Kind.ECS:
        _apply_ecs(clients, target, state)
    elif target.kind == Kind.EC2:
        instance_id = ec2_instance_id(target.ident)
        if state["state"] == "stopped":
            with_backoff(lambda: clients.ec2.stop_instances(InstanceIds=[instance_id]))
        else:
            with_backoff(lambda: clients.ec2.start_instances(InstanceIds=[instance_id]))
    elif target.kind == Kind.IAM:
        _apply_iam(clients, config, target, attached=bool(state["attached"]))
    elif target.kind == Kind.SCP:
        scp.apply(clients.organizations, config, target, attach=bool(state["attached"]))
    else:
        _apply_more(clients, target, state)


def _apply_more(clients: Clients, target: Target, state: Mapping[str, Any]) -> None:
    if target.kind not in _NAMED_BY_ARN:
        raise ValueError(f"unknown resource kind {target.kind!r}")
    name = arn_name(target.ident)
    running = state.get("status") in ("available", "InService")
    if target.kind == Kind.RDS:
        call: Any = clients.rds.start_db_instance if running else clients.rds.stop_db_instance
        with_backoff(lambda: call(DBInstanceIdentifier=name))
    elif target.kind == Kind.RDS_CLUSTER:
        call = clients.rds.start_db_cluster if running else clients.rds.stop_db_cluster
        with_backoff(lambda: call(DBClusterIdentifier=name))
    elif target.kind == Kind.SAGEMAKER:
        call = clients.sagemaker.start_notebook_instance if running else clients.sagemaker.stop_notebook_instance
        with_backoff(lambda: call(NotebookInstanceName=name))
    elif target.kind == Kind.ASG:
        _apply_asg(clients, name, state)
    elif target.kind == Kind.EKS:
        cluster, nodegroup = eks_cluster_nodegroup(target.ident)
        scaling = {"minSize": int(state["min"]), "maxSize": int(state["max"]), "desiredSize": int(state["desired"])}
        with_backoff(
            lambda: clients.eks.update_nodegroup_config(
                clusterName=cluster, nodegroupName=nodegroup, scalingConfig=scaling
            )
        )
    elif target.kind == Kind.APPRUNNER:
        call = clients.apprunner.resume_service if state["status"] == "RUNNING" else clients.apprunner.pause_service
        with_backoff(lambda: call(ServiceArn=target.ident))
    else:
        raise ValueError(f"unknown resource kind {target.kind!r}")


def _apply_asg(clients: Clients, name: str, state: Mapping[str, Any]) -> None:
    """Suspend what must be, set the sizes, resume the rest: the group ends with exactly ``state``.

    On engage the processes that launch instances are suspended before the sizes drop to 0; on
    restore the sizes come back before ``Launch`` resumes, so the group launches toward them.
    """
    suspended = sorted(state["suspended"])
    resumed = [p for p in ASG_PROCESSES if p not in suspended]
    if suspended:  # never an empty list: SuspendProcesses without one suspends every process
        with_backoff(lambda: clients.asg.suspend_processes(AutoScalingGroupName=name, ScalingProcesses=suspended))
    with_backoff(
        lambda: clients.asg.update_auto_scaling_group(
            AutoScalingGroupName=name,
            MinSize=int(state["min"]),
            MaxSize=int(state["max"]),
            DesiredCapacity=int(state["desired"]),
        )
    )
    # An omitted or empty ScalingProcesses means every process: a group whose processes are all
    # suspended gets no resume call at all (ResumeProcesses, EC2 Auto Scaling API Reference:
    # https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_ResumeProcesses.html).
    if resumed:
        with_backoff(lambda: clients.asg.resume_processes(AutoScalingGroupName=name, ScalingProcesses=resumed))


def _apply_ecs(clients: Clients, target: Target, state: Mapping[str, Any]) -> None:
    cluster, service = ecs_cluster_service(target.ident)
    scaling = state.get("scaling")
    # Bounds first: on engage so scaling cannot fight the desired count of 0, on restore so the
    # restored desired count is not clamped back to the engaged bounds of 0.
    if scaling is not None:
        suspended = scaling["suspended"]
        with_backoff(
            lambda: clients.autoscaling.register_scalable_target(
                ServiceNamespace="ecs",
                ResourceId=f"service/{cluster}/{service}",
                ScalableDimension=_ECS_DIMENSION,
                MinCapacity=int(scaling["min"]),
                MaxCapacity=int(scaling["max"]),
                SuspendedState={
                    "DynamicScalingInSuspended": bool(suspended.get("DynamicScalingInSuspended")),
                    "DynamicScalingOutSuspended": bool(suspended.get("DynamicScalingOutSuspended")),
                    "ScheduledScalingSuspended": bool(suspended.get("ScheduledScalingSuspended")),
                },
            )
        )
    with_backoff(
        lambda: clients.ecs.update_service(cluster=cluster, service=service, desiredCount=int(state["desired"]))
    )


def _apply_iam(clients: Clients, config: Config, target: Target, *, attached: bool) -> None:
    _, name, (param, _, attach, detach) = _iam_split(target)
    operation = getattr(clients.iam, attach if attached else detach)
    try:
        with_backoff(lambda: operation(**{param: name, "PolicyArn": config.deny_policy_arn}))
    except ClientError as error:
        # Detaching a policy someone already detached is the state restore wants.
        if attached or error.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
