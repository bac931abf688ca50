"""Stages: escalating thresholds instead of one cliff, each with its own kinds.

Each actual-cost stage is one Budgets notification; those with kinds publish to the alert topic,
and the engage function finds the stage from the notified threshold (``lambda_src/kill_switch/
stages.py``), acts on that stage's kinds only and records the stage, so one restore puts back the
last stage first. Forecast stages, and stages without kinds, only e-mail the operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_budgets as budgets

from buttress.errors import invalid
from buttress.rules import kill_switch_triggers as rules
from buttress.rules.kill_switch import KillSwitchProps

__all__ = ["Stage"]


@dataclass(frozen=True)
class Stage:
    """One threshold of an escalating response.

    :param percent: of the budget's limit (1-1000); stages rise strictly.
    :param kinds: what this stage stops: ``lambda``, ``ecs``, ``ec2``, ``rds``, ``asg``,
        ``sagemaker``, ``eks-nodegroup``, ``apprunner``, ``iam`` (the deny policy), ``scp`` (the
        organization-wide policy). Default none: the stage only notifies.
    :param forecast: compare the forecast instead of the actual cost; only without ``kinds``
        (a forecast can be wrong), and not on a daily budget.
    :param name: in the records and summaries. Default ``stage-<percent>`` (``forecast-<percent>``).
    """

    percent: float
    kinds: Sequence[str] = field(default=())
    forecast: bool = False
    name: str | None = None

    @property
    def label(self) -> str:
        """The stage's name, given or derived from its percentage."""
        if self.name is not None:
            return self.name
        return f"{'forecast' if self.forecast else 'stage'}-{self.percent:g}".replace(".", "_")


def check_stages(value: object, plain: KillSwitchProps, *, period: str, scp: bool) -> tuple[Stage, ...]:
    """``stages``: :class:`Stage` objects by the rules of :func:`rules.stages`."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise invalid("stages", value, "a list of Stage(percent=..., kinds=[...])")
    for stage in value:
        if not isinstance(stage, Stage):
            raise invalid("stages", stage, "Stage objects")
        rules.name("stages.name", stage.label)
        if isinstance(stage.kinds, (str, bytes)):
            raise invalid(f"stages[{stage.label}].kinds", stage.kinds, "a list of kinds, not one string")
    enabled = [k for k in plain.function_actions if k != "rds-cluster"] + (["scp"] if scp else [])
    rules.stages(
        [(s.label, s.percent, tuple(s.kinds), bool(s.forecast)) for s in value],
        enabled=enabled,
        daily=period == "DAILY",
    )
    return tuple(value)


def runtime_stages(stages: Sequence[Stage]) -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    """What the engage function is told: the actual-cost stages, lowest first, ``rds`` meaning
    instances and Aurora clusters."""
    out = []
    for stage in stages:
        if stage.forecast:
            continue
        kinds = tuple(k2 for k in stage.kinds for k2 in ((k, "rds-cluster") if k == "rds" else (k,)))
        out.append((stage.label, float(stage.percent), kinds))
    return tuple(out)


def notifications(
    plain: KillSwitchProps, stages: Sequence[Stage], *, alert_topic_arn: str
) -> list[budgets.CfnBudget.NotificationWithSubscribersProperty]:
    """The budget's notifications with stages: one per stage, which replace ``forecast_percent``
    and ``actual_percent`` (two equal notifications are refused by Budgets); only actual-cost
    stages that stop something publish to the alert topic."""
    out = []
    for stage in stages:
        engages = bool(stage.kinds) and not stage.forecast
        out.append(
            _notification(
                "FORECASTED" if stage.forecast else "ACTUAL",
                stage.percent,
                plain.operator_emails,
                topic_arn=alert_topic_arn if engages else None,
            )
        )
    return out


def default_notifications(
    plain: KillSwitchProps, *, alert_topic_arn: str, daily: bool
) -> list[budgets.CfnBudget.NotificationWithSubscribersProperty]:
    """Without stages on a daily budget: the breach only (Budgets has no daily forecast)."""
    out = [] if daily else [_notification("FORECASTED", plain.forecast_percent, plain.operator_emails)]
    out.append(_notification("ACTUAL", plain.actual_percent, plain.operator_emails, topic_arn=alert_topic_arn))
    return out


def _notification(
    kind: str, percent: float, emails: Sequence[str], *, topic_arn: str | None = None
) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
    subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=a) for a in emails]
    if topic_arn is not None:
        subscribers.insert(0, budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic_arn))
    return budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=budgets.CfnBudget.NotificationProperty(
            notification_type=kind, comparison_operator="GREATER_THAN", threshold=percent, threshold_type="PERCENTAGE"
        ),
        subscribers=subscribers,
    )
