"""The kill switch's one check: :class:`BudgetKillSwitchProps` in, :class:`CheckedProps` out.

The plain props go through the pure rules (``buttress.rules.kill_switch``), the CDK-typed ones
through the type checks, so a builder only ever sees values already known to be right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Annotations, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.kill_switch.props import BudgetKillSwitchProps
from buttress.parts.keys import optional_key
from buttress.rules import kill_switch as rules
from buttress.rules.kill_switch import KillSwitchProps

#: The warning an env-agnostic stack gets when ``regions`` name a partition that cannot be checked.
PARTITION_WARNING = "buttress:regionsPartitionNotChecked"


@dataclass(frozen=True)
class CheckedProps:
    """The checked props: ``plain`` (with what follows from them) and the CDK-typed ones."""

    plain: KillSwitchProps
    removal_policy: RemovalPolicy
    log_retention: logs.RetentionDays
    alarm_action: cloudwatch.IAlarmAction | None
    table_key: kms.IKey | None
    log_key: kms.IKey | None


def check(props: BudgetKillSwitchProps) -> CheckedProps:
    """Check every prop; raise :func:`~buttress.errors.invalid` naming the first wrong one."""
    plain = rules.check(
        limit_usd=props.limit_usd,
        tag_key=props.tag_key,
        tag_value=props.tag_value,
        operator_emails=props.operator_emails,
        budget_name=props.budget_name,
        services=props.services,
        forecast_percent=props.forecast_percent,
        actual_percent=props.actual_percent,
        lambda_functions=props.lambda_functions,
        ecs_services=props.ecs_services,
        ec2_instances=props.ec2_instances,
        rds_databases=props.rds_databases,
        auto_scaling_groups=props.auto_scaling_groups,
        sagemaker_notebooks=props.sagemaker_notebooks,
        eks_node_groups=props.eks_node_groups,
        app_runner_services=props.app_runner_services,
        ec2_instance_store=props.ec2_instance_store,
        regions=props.regions,
        iam_groups=props.iam_groups,
        iam_roles=props.iam_roles,
        iam_users=props.iam_users,
        deny_actions=props.deny_actions,
        native_iam_action=props.native_iam_action,
        dry_run=props.dry_run,
        max_workers=props.max_workers,
        reserved_concurrency=props.reserved_concurrency,
        include_credits=props.include_credits,
        include_refunds=props.include_refunds,
    )
    rules.check_cdk_props(
        removal_policy=props.removal_policy,
        removal_policy_type=RemovalPolicy,
        log_retention=props.log_retention,
        log_retention_type=logs.RetentionDays,
        alarm_action=props.alarm_action,
    )
    return CheckedProps(
        plain=plain,
        removal_policy=props.removal_policy,
        log_retention=props.log_retention,
        alarm_action=props.alarm_action,
        table_key=optional_key("table_key", props.table_key),
        log_key=optional_key("log_key", props.log_key),
    )


def check_partition(scope: Construct, regions: Sequence[str]) -> None:
    """``regions`` against the stack's partition: refused when the stack's region is known and of
    another partition, warned when it is not known (``rules.regions_partition``)."""
    region = Stack.of(scope).region
    warning = rules.regions_partition(regions, stack_region=None if Token.is_unresolved(region) else region)
    if warning:
        Annotations.of(scope).add_warning_v2(PARTITION_WARNING, warning)
