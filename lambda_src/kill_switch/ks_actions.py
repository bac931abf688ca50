"""The AWS side of the switch: find tagged resources, read their state, set a state.

Every function takes boto3 clients (a :class:`Clients`), so tests hand in moto-backed ones.
Every call goes through :func:`ks_retry.with_backoff`; every listing is paginated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from ks_plan import ECS_SUSPENDED, Config, Target, ec2_instance_id, ecs_cluster_service, lambda_name
from ks_retry import with_backoff

_ECS_DIMENSION = "ecs:service:DesiredCount"


@dataclass(frozen=True)
class Clients:
    """The boto3 clients the switch uses (any may be a moto-backed client in tests)."""

    tagging: Any
    lambda_: Any
    ecs: Any
    autoscaling: Any
    ec2: Any
    iam: Any
    dynamodb: Any
    sns: Any


def discover(clients: Clients, config: Config) -> Iterator[tuple[str, dict[str, str]]]:
    """``(arn, tags)`` of every resource tagged ``tag_key=tag_value`` of an enabled kind, all pages."""
    types = config.tagging_types()
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
    if target.kind == "lambda":
        response = with_backoff(lambda: clients.lambda_.get_function_concurrency(FunctionName=target.ident))
        reserved = response.get("ReservedConcurrentExecutions")
        return {"reserved": None if reserved is None else int(reserved)}
    if target.kind == "ecs":
        cluster, service = ecs_cluster_service(target.ident)
        found = with_backoff(lambda: clients.ecs.describe_services(cluster=cluster, services=[service]))
        services = [s for s in found.get("services", []) if s.get("status") == "ACTIVE"]
        if not services:
            raise LookupError(f"ECS service {cluster}/{service} not found or not active")
        return {"desired": int(services[0]["desiredCount"]), "scaling": _read_scaling(clients, cluster, service)}
    if target.kind == "ec2":
        instance_id = ec2_instance_id(target.ident)
        reservations = with_backoff(lambda: clients.ec2.describe_instances(InstanceIds=[instance_id]))
        states = [i["State"]["Name"] for r in reservations.get("Reservations", []) for i in r.get("Instances", [])]
        return {"state": states[0] if states else "absent"}
    return {"attached": _iam_attached(clients, config, target)}


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


def _iam_split(target: Target) -> tuple[str, str]:
    type_, _, name = target.ident.partition("/")
    return type_, name


def _iam_attached(clients: Clients, config: Config, target: Target) -> bool:
    type_, name = _iam_split(target)
    operation = {"group": "list_attached_group_policies", "role": "list_attached_role_policies"}.get(
        type_, "list_attached_user_policies"
    )
    param = {"group": "GroupName", "role": "RoleName"}.get(type_, "UserName")
    paginator = clients.iam.get_paginator(operation)
    pages = with_backoff(lambda: list(paginator.paginate(**{param: name})))
    return any(p["PolicyArn"] == config.deny_policy_arn for page in pages for p in page.get("AttachedPolicies", []))


# --- set a state -------------------------------------------------------------------------------


def apply_state(clients: Clients, config: Config, target: Target, state: Mapping[str, Any]) -> None:
    """Make ``target`` be in ``state`` (an engaged state, or the recorded previous one on restore).

    Every operation here is idempotent: applying the same state twice changes nothing more.
    """
    if target.kind == "lambda":
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
    elif target.kind == "ecs":
        _apply_ecs(clients, target, state)
    elif target.kind == "ec2":
        instance_id = ec2_instance_id(target.ident)
        if state["state"] == "stopped":
            with_backoff(lambda: clients.ec2.stop_instances(InstanceIds=[instance_id]))
        else:
            with_backoff(lambda: clients.ec2.start_instances(InstanceIds=[instance_id]))
    else:
        _apply_iam(clients, config, target, attached=bool(state["attached"]))


def _apply_ecs(clients: Clients, target: Target, state: Mapping[str, Any]) -> None:
    cluster, service = ecs_cluster_service(target.ident)
    scaling = state.get("scaling")
    # Bounds first: on engage so scaling cannot fight the desired count of 0, on restore so the
    # restored desired count is not clamped back to the engaged bounds of 0.
    if scaling is not None:
        with_backoff(
            lambda: clients.autoscaling.register_scalable_target(
                ServiceNamespace="ecs",
                ResourceId=f"service/{cluster}/{service}",
                ScalableDimension=_ECS_DIMENSION,
                MinCapacity=int(scaling["min"]),
                MaxCapacity=int(scaling["max"]),
                SuspendedState={k: bool(v) for k, v in scaling["suspended"].items()},
            )
        )
    with_backoff(
        lambda: clients.ecs.update_service(cluster=cluster, service=service, desiredCount=int(state["desired"]))
    )


def _apply_iam(clients: Clients, config: Config, target: Target, *, attached: bool) -> None:
    type_, name = _iam_split(target)
    param = {"group": "GroupName", "role": "RoleName"}.get(type_, "UserName")
    verb = "attach" if attached else "detach"
    operation = getattr(clients.iam, f"{verb}_{type_}_policy")
    try:
        with_backoff(lambda: operation(**{param: name, "PolicyArn": config.deny_policy_arn}))
    except ClientError as error:
        # Detaching a policy someone already detached is the state restore wants.
        if attached or error.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
