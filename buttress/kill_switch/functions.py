"""The engage and restore functions, configured with the asset's own ``Config`` dataclass.

The restore function is built first: the engage function is told its name so that it never
throttles the one function that puts everything back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from buttress._lambda_src.kill_switch.config import EXEMPT_TAG_KEY, EXEMPT_TAG_VALUE, Config, Kind
from buttress.fanout import FanoutTopic
from buttress.kill_switch.checks import CheckedProps
from buttress.kill_switch.iam_statements import Statements, acknowledge_function_wildcards
from buttress.parts.functions import python_function

#: Records-table permissions of each function: engage records before it changes, restore reads them back.
ENGAGE_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
RESTORE_TABLE_ACTIONS = ("dynamodb:Query", "dynamodb:UpdateItem")


@dataclass(frozen=True)
class SwitchResources:
    """What the functions are wired to, built by the switch before them."""

    budget_name: str
    table: dynamodb.Table
    operator_topic: FanoutTopic
    deny_policy: iam.ManagedPolicy | None


def switch_config(scope: Construct, checked: CheckedProps, resources: SwitchResources) -> Config:
    """What both functions are told, in the asset's own dataclass (defaults live there)."""
    plain = checked.plain
    return Config(
        switch_id=scope.node.addr,
        budget_name=resources.budget_name,
        account_id=Stack.of(scope).account,
        table_name=resources.table.table_name,
        summary_topic_arn=resources.operator_topic.topic.topic_arn,
        tag_key=plain.tag_key,
        tag_value=plain.tag_value,
        exempt_tag_key=EXEMPT_TAG_KEY,
        exempt_tag_value=EXEMPT_TAG_VALUE,
        actions=tuple(Kind.parse(kind) for kind in plain.function_actions),
        iam_groups=plain.iam_groups,
        iam_roles=plain.iam_roles,
        iam_users=plain.iam_users,
        deny_policy_arn=resources.deny_policy.managed_policy_arn if resources.deny_policy else "",
        dry_run=plain.dry_run,
        max_workers=plain.max_workers,
        ec2_instance_store=plain.ec2_instance_store,
        regions=plain.regions,
    )


def restore_and_engage(
    scope: Construct, checked: CheckedProps, resources: SwitchResources, more: Mapping[str, Any] | None = None
) -> tuple[lambda_.Function, lambda_.Function]:
    """The restore function, then the engage function (which must never throttle the restore).

    ``more``: further ``Config`` fields (tripwires, stages, the SCP; ``reach.Reach.runtime``)."""
    config = replace(switch_config(scope, checked, resources), **(more or {}))
    statements = Statements(Stack.of(scope), resources.deny_policy, checked.plain)
    restore = _function(
        scope,
        "Restore",
        "restore",
        config,
        statements.restore(),
        checked=checked,
        resources=resources,
        table_actions=RESTORE_TABLE_ACTIONS,
        description="buttress kill-switch: restore what the switch recorded (invoke on purpose)",
    )
    engage = _function(
        scope,
        "Engage",
        "engage",
        replace(config, protected_functions=(restore.function_name,)),
        statements.engage(),
        checked=checked,
        resources=resources,
        table_actions=ENGAGE_TABLE_ACTIONS,
        description="buttress kill-switch: engage on this budget's ACTUAL breach or a drill",
        reserved_concurrency=checked.plain.reserved_concurrency,
    )
    return restore, engage


def _function(
    scope: Construct,
    id_: str,
    module: str,
    config: Config,
    statements: list[iam.PolicyStatement],
    *,
    checked: CheckedProps,
    resources: SwitchResources,
    table_actions: Sequence[str],
    description: str,
    reserved_concurrency: int | None = None,
) -> lambda_.Function:
    function = python_function(
        scope,
        id_,
        asset="kill_switch",
        handler=f"kill_switch.{module}.handler",
        description=description,
        role_description=f"{description} (least privilege; see docs/kill-switch.md)",
        # The 15-minute ceiling: the deadline guard defers what does not fit and the retry resumes.
        timeout=Duration.minutes(15),
        log_retention=checked.log_retention,
        removal_policy=checked.removal_policy,
        statements=statements,
        environment=config.to_environment(Stack.of(scope).to_json_string),
        reserved_concurrency=reserved_concurrency,
        json_logs=True,
        log_key=checked.log_key,
    )
    role = function.role
    assert role is not None  # python_function always gives the function its own role
    resources.operator_topic.grant_publish(role)
    resources.table.grant(role, *table_actions)
    acknowledge_function_wildcards(role, set(checked.plain.function_actions), checked.plain.regions)
    return function
