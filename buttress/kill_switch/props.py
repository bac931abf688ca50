"""``BudgetKillSwitchProps``: the keyword arguments of :class:`~buttress.kill_switch.BudgetKillSwitch`, as given.

The constructor builds this once, in one explicit call; :func:`~buttress.kill_switch.checks.check`
turns it into the checked props the builders read. Field names and defaults are the constructor's
(``tests/kill_switch/test_props.py`` holds them in step).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from buttress.kill_switch.chat import ChatChannel
from buttress.kill_switch.stages import Stage
from buttress.kill_switch.tripwires import Tripwire
from buttress.rules.kill_switch import DEFAULT_DENY_ACTIONS


@dataclass(frozen=True)
class BudgetKillSwitchProps:
    """Every prop of a ``BudgetKillSwitch``, unchecked (see the construct's docstring for each)."""

    limit_usd: float
    tag_key: str
    tag_value: str
    operator_emails: Sequence[str]
    budget_name: str | None = None
    services: Sequence[str] = ()
    forecast_percent: float = 80
    actual_percent: float = 100
    lambda_functions: bool = True
    ecs_services: bool = True
    ec2_instances: bool = True
    rds_databases: bool = True
    auto_scaling_groups: bool = True
    sagemaker_notebooks: bool = True
    eks_node_groups: bool = True
    app_runner_services: bool = True
    ec2_instance_store: bool = False
    regions: Sequence[str] | None = None
    iam_groups: Sequence[str] = ()
    iam_roles: Sequence[str] = ()
    iam_users: Sequence[str] = ()
    deny_actions: Sequence[str] = DEFAULT_DENY_ACTIONS
    native_iam_action: bool = False
    dry_run: bool = False
    max_workers: int = 8
    reserved_concurrency: int | None = None
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR
    alarm_action: cloudwatch.IAlarmAction | None = None
    table_key: kms.IKey | None = None
    log_key: kms.IKey | None = None
    include_credits: bool = False
    include_refunds: bool = False
    tripwires: Sequence[Tripwire] = ()
    stages: Sequence[Stage] = ()
    period: str = "MONTHLY"
    scp_targets: Sequence[str] = ()
    break_glass_role: str | None = None
    chat: ChatChannel | None = None
