"""Tripwires: CloudWatch metric alarms that engage the switch within minutes, not the hours to a
day AWS Budgets' cost data runs behind.

Each tripwire is one alarm whose action publishes to the switch's alert topic; the engage
function recognizes the alarm's notification (the JSON CloudWatch publishes to SNS) by the alarm
name and records ``tripwire:<name>`` as the source. Detection delay = period x evaluation periods
+ the metric's own publishing delay (``docs/kill-switch.md`` has the table).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from constructs import Construct

from buttress.errors import invalid
from buttress.fanout import FanoutTopic
from buttress.rules import kill_switch_triggers as rules
from buttress.rules import props

__all__ = ["Tripwire", "build_tripwires"]

#: EC2 instance family prefix -> the On-Demand vCPU class of the AWS/Usage metric
#: (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-on-demand-instances.html#ec2-on-demand-instances-limits).
_EC2_CLASSES = {
    **dict.fromkeys(("a", "c", "d", "h", "i", "im", "is", "m", "r", "t", "z", "u"), "Standard/OnDemand"),
    "f": "F/OnDemand",
    "g": "G/OnDemand",
    "vt": "G/OnDemand",
    "p": "P/OnDemand",
    "x": "X/OnDemand",
    "inf": "Inf/OnDemand",
    "dl": "DL/OnDemand",
    "trn": "Trn/OnDemand",
}
_FAMILY = re.compile(r"^([a-z]+)\d*[a-z0-9-]*$")


@dataclass(frozen=True)
class _Metric:
    namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str


@dataclass(frozen=True)
class Tripwire:
    """One metric alarm that engages the switch. Build it with a class method; ``stage`` names the
    stage it engages (default ``""``: every kind the switch acts on)."""

    name: str
    metrics: tuple[_Metric, ...]
    threshold: float
    period_seconds: int
    evaluation_periods: int
    #: How late the metric's datapoints arrive after the fact, in minutes (documented per metric).
    metric_delay_minutes: int
    description: str
    stage: str = ""
    #: AWS/Billing: published in us-east-1 only.
    billing: bool = False

    @property
    def detection_minutes(self) -> float:
        """Worst-case minutes from the spend starting to the alarm: period x evaluations + delay."""
        return self.period_seconds * self.evaluation_periods / 60 + self.metric_delay_minutes

    # --- ready-made tripwires ------------------------------------------------------------------

    @classmethod
    def lambda_invocations(
        cls, *, per_period: float, period: Duration | None = None, evaluation_periods: int = 1, stage: str = ""
    ) -> Tripwire:
        """Lambda invocations of the whole account and region (AWS/Lambda ``Invocations``, Sum, no
        dimension) above ``per_period``; default period 5 minutes. A runaway loop shows here first.
        https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html"""
        return cls._make(
            "lambda-invocations",
            (_Metric("AWS/Lambda", "Invocations", (), "Sum"),),
            per_period,
            period or Duration.minutes(5),
            evaluation_periods,
            delay=1,
            description="Lambda invocations in the account and region",
            stage=stage,
        )

    @classmethod
    def lambda_concurrency(
        cls, *, executions: float, period: Duration | None = None, evaluation_periods: int = 1, stage: str = ""
    ) -> Tripwire:
        """Concurrent Lambda executions of the account and region (``ConcurrentExecutions``,
        Maximum) above ``executions``; default period 1 minute."""
        return cls._make(
            "lambda-concurrency",
            (_Metric("AWS/Lambda", "ConcurrentExecutions", (), "Maximum"),),
            executions,
            period or Duration.minutes(1),
            evaluation_periods,
            delay=1,
            description="concurrent Lambda executions in the account and region",
            stage=stage,
        )

    @classmethod
    def nat_gateway_bytes(
        cls,
        nat_gateway_id: str,
        *,
        bytes_per_period: float,
        period: Duration | None = None,
        evaluation_periods: int = 1,
        stage: str = "",
    ) -> Tripwire:
        """Bytes a NAT gateway processes (``BytesInFromSource`` + ``BytesInFromDestination``, the
        data processing charge) above ``bytes_per_period``; default period 5 minutes.
        https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html"""
        dims = (("NatGatewayId", nat_gateway_id),)
        return cls._make(
            "nat-gateway-bytes",
            (
                _Metric("AWS/NATGateway", "BytesInFromSource", dims, "Sum"),
                _Metric("AWS/NATGateway", "BytesInFromDestination", dims, "Sum"),
            ),
            bytes_per_period,
            period or Duration.minutes(5),
            evaluation_periods,
            delay=1,
            description=f"bytes processed by NAT gateway {nat_gateway_id}",
            stage=stage,
        )

    @classmethod
    def ecs_running_tasks(
        cls,
        cluster_name: str,
        *,
        tasks: float,
        period: Duration | None = None,
        evaluation_periods: int = 1,
        stage: str = "",
    ) -> Tripwire:
        """Running tasks of an ECS cluster (ECS/ContainerInsights ``RunningTaskCount``, Maximum)
        above ``tasks``; needs Container Insights on the cluster. Default period 1 minute.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html"""
        return cls._make(
            "ecs-running-tasks",
            (_Metric("ECS/ContainerInsights", "RunningTaskCount", (("ClusterName", cluster_name),), "Maximum"),),
            tasks,
            period or Duration.minutes(1),
            evaluation_periods,
            delay=2,
            description=f"running tasks of ECS cluster {cluster_name}",
            stage=stage,
        )

    @classmethod
    def ec2_running_instances(
        cls, *, family: str, vcpus: float, period: Duration | None = None, evaluation_periods: int = 1, stage: str = ""
    ) -> Tripwire:
        """Running On-Demand vCPUs of an instance family's class (AWS/Usage ``ResourceCount``,
        Maximum), e.g. ``family="p4d"`` counts the P class; above ``vcpus``. Default period 1 minute.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Usage-Metrics.html"""
        found = _FAMILY.match(family) if isinstance(family, str) else None
        prefix = found.group(1) if found else ""
        ec2_class = _EC2_CLASSES.get(prefix) or _EC2_CLASSES.get(prefix[:1]) if prefix else None
        if ec2_class is None:
            raise invalid("family", family, "an EC2 instance family such as 'p4d', 'g5', 'm7i' or 'inf2'")
        dims = (("Service", "EC2"), ("Type", "Resource"), ("Resource", "vCPU"), ("Class", ec2_class))
        return cls._make(
            f"ec2-{prefix}-vcpus",
            (_Metric("AWS/Usage", "ResourceCount", dims, "Maximum"),),
            vcpus,
            period or Duration.minutes(1),
            evaluation_periods,
            delay=1,
            description=f"running On-Demand vCPUs of class {ec2_class} ({family})",
            stage=stage,
        )

    @classmethod
    def estimated_charges(cls, *, usd: float, stage: str = "") -> Tripwire:
        """The account's month-to-date estimated charges (AWS/Billing ``EstimatedCharges``, USD,
        Maximum) above ``usd``. Published in us-east-1 only, several times a day, once billing
        alerts are enabled: a stack elsewhere is refused when its region is known.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html"""
        return cls._make(
            "estimated-charges",
            (_Metric("AWS/Billing", "EstimatedCharges", (("Currency", "USD"),), "Maximum"),),
            usd,
            Duration.hours(6),
            1,
            delay=240,
            description="month-to-date estimated charges in USD",
            stage=stage,
            billing=True,
        )

    @classmethod
    def metric(
        cls,
        name: str,
        *,
        namespace: str,
        metric_name: str,
        threshold: float,
        dimensions: Mapping[str, str] | None = None,
        statistic: str = "Sum",
        period: Duration | None = None,
        evaluation_periods: int = 1,
        metric_delay: Duration | None = None,
        stage: str = "",
    ) -> Tripwire:
        """Any metric above ``threshold``; ``metric_delay`` (default 5 minutes) is how late its
        datapoints arrive, for the documented detection delay."""
        dims = tuple(sorted((dimensions or {}).items()))
        delay = (metric_delay or Duration.minutes(5)).to_minutes()
        return cls._make(
            name,
            (_Metric(namespace, metric_name, dims, statistic),),
            threshold,
            period or Duration.minutes(5),
            evaluation_periods,
            delay=int(delay),
            description=f"{namespace} {metric_name}",
            stage=stage,
        )

    @classmethod
    def _make(
        cls,
        name: str,
        metrics: tuple[_Metric, ...],
        threshold: float,
        period: Duration,
        evaluation_periods: int,
        *,
        delay: int,
        description: str,
        stage: str,
        billing: bool = False,
    ) -> Tripwire:
        checked_name = rules.name("Tripwire.name", name)
        if not isinstance(period, Duration) or Token.is_unresolved(period.to_seconds()):
            raise invalid(f"Tripwire[{checked_name}].period", period, "a Duration known at synth")
        seconds = rules.period_seconds(f"Tripwire[{checked_name}].period", int(period.to_seconds()))
        return cls(
            name=checked_name,
            metrics=metrics,
            threshold=props.number(f"Tripwire[{checked_name}].threshold", threshold, low=0),
            period_seconds=seconds,
            evaluation_periods=rules.evaluation(
                f"Tripwire[{checked_name}].evaluation_periods", seconds, evaluation_periods
            ),
            metric_delay_minutes=delay,
            description=description,
            stage=rules.name(f"Tripwire[{checked_name}].stage", stage) if stage else "",
            billing=billing,
        )


def check_tripwires(value: object, *, stage_names: Sequence[str], region: str) -> tuple[Tripwire, ...]:
    """``tripwires``: :class:`Tripwire` objects with distinct names, stages that exist, billing
    tripwires only in us-east-1 (when the region is known)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise invalid("tripwires", value, "a list of Tripwire (Tripwire.lambda_invocations(...), ...)")
    seen: set[str] = set()
    for tripwire in value:
        if not isinstance(tripwire, Tripwire):
            raise invalid("tripwires", tripwire, "Tripwire objects, built with a Tripwire class method")
        if tripwire.name in seen:
            raise invalid("tripwires", tripwire.name, "distinct names (the same kind twice: Tripwire.metric(name=...))")
        seen.add(tripwire.name)
        if tripwire.stage and tripwire.stage not in stage_names:
            raise invalid(f"tripwires[{tripwire.name}].stage", tripwire.stage, f"one of the stages {list(stage_names)}")
        rules.tripwire_region(tripwire.name, tripwire.billing, region, is_token=Token.is_unresolved(region))
    return tuple(value)


def alarm_name(budget_name: str, tripwire: Tripwire) -> str:
    """The alarm's name, known at synth so the engage function can match the notification."""
    return f"{budget_name}-tripwire-{tripwire.name}"


def build_tripwires(
    scope: Construct, tripwires: Sequence[Tripwire], *, alert_topic: FanoutTopic, budget_name: str
) -> list[cloudwatch.Alarm]:
    """One alarm per tripwire, its action the alert topic (which CloudWatch may then publish to)."""
    if not tripwires:
        return []
    alert_topic.allow_service_publisher("cloudwatch.amazonaws.com")
    action = cloudwatch_actions.SnsAction(alert_topic.topic)
    alarms = []
    for tripwire in tripwires:
        alarm = cloudwatch.Alarm(
            scope,
            f"Tripwire-{tripwire.name}",
            alarm_name=alarm_name(budget_name, tripwire),
            alarm_description=f"buttress kill-switch tripwire: {tripwire.description} above {tripwire.threshold:g}",
            metric=_metric(tripwire),
            threshold=tripwire.threshold,
            evaluation_periods=tripwire.evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            # No data is no spending: a quiet metric must not engage the switch.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
        alarms.append(alarm)
    return alarms


def _metric(tripwire: Tripwire) -> cloudwatch.IMetric:
    period = Duration.seconds(tripwire.period_seconds)
    built = [
        cloudwatch.Metric(
            namespace=m.namespace,
            metric_name=m.metric_name,
            dimensions_map=dict(m.dimensions) or None,
            statistic=m.statistic,
            period=period,
        )
        for m in tripwire.metrics
    ]
    if len(built) == 1:
        return built[0]
    using = {f"m{i}": metric for i, metric in enumerate(built)}
    return cloudwatch.MathExpression(expression=" + ".join(using), using_metrics=using, period=period)
