"""``Deployment``: how a new revision rolls out; ECS-native traffic shifting, its test listener and rollback alarms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Names, Stack, Token
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from constructs import Construct

from buttress.errors import describe, invalid
from buttress.options import DeploymentStrategy
from buttress.parts import nag
from buttress.rules import fargate as rules

_FIVE_MINUTES = Duration.minutes(5)
_TEN_MINUTES = Duration.minutes(10)

#: Priority of the catch-all production rule a traffic-shifting deployment needs on its own listener
#: (the last one, so rules of services sharing the load balancer match first).
PRODUCTION_RULE_PRIORITY = 50_000


@dataclass(frozen=True)
class Deployment:
    """How a new revision is rolled out: :meth:`rolling` (the default), :meth:`blue_green`, :meth:`canary`
    or :meth:`linear` (ECS-native traffic shifting between two target groups).

    Build it with the class methods; the fields are what they record.
    """

    strategy: DeploymentStrategy
    bake_time: Duration | None = None
    percent: float | None = None
    step_bake_time: Duration | None = None
    test_listener_port: int | None = None
    rollback_on_5xx: int | None = None
    rollback_alarms: Sequence[cloudwatch.IAlarm] = ()
    prepare_traffic_shifting: bool = False

    @classmethod
    def rolling(
        cls,
        *,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
        prepare_traffic_shifting: bool = False,
        test_listener_port: int | None = None,
    ) -> Deployment:
        """Replace tasks in place, the circuit breaker rolling back a revision whose tasks fail;
        ``rollback_alarms`` roll it back too when one goes off during the deployment.

        ``prepare_traffic_shifting=True`` is the first of the two deployments ECS documents for moving a
        service to blue/green, canary or linear: the load balancer's advanced configuration (the alternate
        target group, the production rule and, with ``test_listener_port``, the test listener) with the
        ROLLING strategy; the next deployment changes only the strategy
        (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/migrate-deployment-strategies.html)."""
        return cls(
            DeploymentStrategy.ROLLING,
            rollback_alarms=tuple(rollback_alarms),
            prepare_traffic_shifting=prepare_traffic_shifting,
            test_listener_port=test_listener_port,
        )

    @classmethod
    def blue_green(
        cls,
        *,
        bake_time: Duration = _TEN_MINUTES,
        test_listener_port: int | None = None,
        rollback_on_5xx: int | None = 10,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> Deployment:
        """Start the new revision beside the old, shift all traffic, keep the old one for ``bake_time``
        (0-1440 min) to roll back to. ``test_listener_port``: a listener that reaches the new revision
        before production does. ``rollback_on_5xx``: roll back when the tasks return at least this many 5xx
        responses in each of two consecutive minutes (``None``: no such alarm)."""
        return cls(
            DeploymentStrategy.BLUE_GREEN,
            bake_time=bake_time,
            test_listener_port=test_listener_port,
            rollback_on_5xx=rollback_on_5xx,
            rollback_alarms=tuple(rollback_alarms),
        )

    @classmethod
    def canary(
        cls,
        *,
        percent: float = 10.0,
        step_bake_time: Duration = _FIVE_MINUTES,
        bake_time: Duration = _TEN_MINUTES,
        test_listener_port: int | None = None,
        rollback_on_5xx: int | None = 10,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> Deployment:
        """Shift ``percent`` (0.1-100, multiples of 0.1) of the traffic first, wait ``step_bake_time``, then
        shift the rest; otherwise as :meth:`blue_green`."""
        return cls(
            DeploymentStrategy.CANARY,
            bake_time=bake_time,
            percent=percent,
            step_bake_time=step_bake_time,
            test_listener_port=test_listener_port,
            rollback_on_5xx=rollback_on_5xx,
            rollback_alarms=tuple(rollback_alarms),
        )

    @classmethod
    def linear(
        cls,
        *,
        step_percent: float = 25.0,
        step_bake_time: Duration = _FIVE_MINUTES,
        bake_time: Duration = _TEN_MINUTES,
        test_listener_port: int | None = None,
        rollback_on_5xx: int | None = 10,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> Deployment:
        """Shift ``step_percent`` (3-100) of the traffic per step, waiting ``step_bake_time`` after each;
        otherwise as :meth:`blue_green`."""
        return cls(
            DeploymentStrategy.LINEAR,
            bake_time=bake_time,
            percent=step_percent,
            step_bake_time=step_bake_time,
            test_listener_port=test_listener_port,
            rollback_on_5xx=rollback_on_5xx,
            rollback_alarms=tuple(rollback_alarms),
        )


@dataclass(frozen=True)
class StrategyProps:
    """The ``ecs.FargateService`` props of a deployment strategy (all ``None`` for a rolling one)."""

    deployment_strategy: ecs.DeploymentStrategy | None = None
    bake_time: Duration | None = None
    canary_configuration: ecs.TrafficShiftConfig | None = None
    linear_configuration: ecs.TrafficShiftConfig | None = None


def strategy_props(spec: rules.DeploymentSpec) -> StrategyProps:
    """The ``FargateService`` props of a traffic-shifting deployment (none for a rolling one; an explicit
    ROLLING strategy for one prepared for traffic shifting)."""
    if not spec.shifts_traffic:
        return StrategyProps(deployment_strategy=ecs.DeploymentStrategy.ROLLING if spec.prepared else None)
    shift = (
        None
        if spec.percent is None
        else ecs.TrafficShiftConfig(
            step_percent=spec.percent,
            step_bake_time=None if spec.step_bake_minutes is None else Duration.minutes(spec.step_bake_minutes),
        )
    )
    return StrategyProps(
        deployment_strategy=ecs.DeploymentStrategy[spec.strategy],
        bake_time=None if spec.bake_minutes is None else Duration.minutes(spec.bake_minutes),
        canary_configuration=shift if spec.strategy == "CANARY" else None,
        linear_configuration=shift if spec.strategy == "LINEAR" else None,
    )


@dataclass(frozen=True)
class TargetGroups:
    """The target group; with a traffic-shifting deployment, the alternate one ECS moves the traffic to."""

    target_group: elbv2.ApplicationTargetGroup
    alternate: elbv2.ApplicationTargetGroup | None

    def forward(self) -> elbv2.ListenerAction:
        """Forward to the target group; with an alternate one, weighted 100/0 for ECS to shift."""
        if self.alternate is None:
            return elbv2.ListenerAction.forward([self.target_group])
        return elbv2.ListenerAction.weighted_forward(
            [
                elbv2.WeightedTargetGroup(target_group=self.target_group, weight=100),
                elbv2.WeightedTargetGroup(target_group=self.alternate, weight=0),
            ]
        )


@dataclass(frozen=True)
class ListenerSettings:
    """What a test listener needs from the listener callers use."""

    load_balancer: elbv2.ApplicationLoadBalancer
    https: bool
    certificate: acm.ICertificate | None
    ssl_policy: elbv2.SslPolicy


def shift_traffic(
    scope: Construct,
    *,
    service: ecs.FargateService,
    groups: TargetGroups,
    production_rule: elbv2.ApplicationListenerRule,
    test_rule: elbv2.ApplicationListenerRule | None,
    container_name: str,
    container_port: int,
) -> None:
    """Register the tasks with the ECS-managed alternate target, on ``production_rule`` (and the test rule)."""
    assert groups.alternate is not None  # only called for a traffic-shifting deployment
    alternate = ecs.AlternateTarget(
        "AlternateTarget",
        alternate_target_group=groups.alternate,
        production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(production_rule),
        test_listener=None if test_rule is None else ecs.ListenerRuleConfiguration.application_listener_rule(test_rule),
    )
    groups.target_group.add_target(
        service.load_balancer_target(
            container_name=container_name, container_port=container_port, alternate_target=alternate
        )
    )
    _acknowledge_traffic_role(service)


def production_rule(
    scope: Construct, listener: elbv2.ApplicationListener, groups: TargetGroups
) -> elbv2.ApplicationListenerRule:
    """The catch-all rule ECS shifts production traffic on, on a listener of the service's own."""
    return elbv2.ApplicationListenerRule(
        scope,
        "ProductionRule",
        listener=listener,
        priority=PRODUCTION_RULE_PRIORITY,
        conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
        action=groups.forward(),
    )


def add_test_listener(
    scope: Construct, port: int | None, listener: ListenerSettings, groups: TargetGroups
) -> tuple[elbv2.ApplicationListener | None, elbv2.ApplicationListenerRule | None]:
    """The listener (and its catch-all rule) that reaches the new revision before production does."""
    if port is None:
        return None, None
    built = listener.load_balancer.add_listener(
        "TestListener",
        port=port,
        protocol=elbv2.ApplicationProtocol.HTTPS if listener.https else elbv2.ApplicationProtocol.HTTP,
        certificates=[elbv2.ListenerCertificate.from_certificate_manager(listener.certificate)]
        if listener.certificate
        else None,
        ssl_policy=listener.ssl_policy if listener.https else None,
        open=False,
        default_action=groups.forward(),
    )
    rule = elbv2.ApplicationListenerRule(
        scope,
        "TestRule",
        listener=built,
        priority=1,
        conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
        action=groups.forward(),
    )
    return built, rule


def _acknowledge_traffic_role(service: ecs.FargateService) -> None:
    """IAM4 on the role ECS shifts traffic with, for exactly its AWS managed policy."""
    role = service.node.try_find_child("AlternateTargetRole")
    resource = None if role is None else role.node.default_child
    if role is None or not isinstance(resource, iam.CfnRole):
        return
    arns = Stack.of(service).resolve(resource.managed_policy_arns) or []
    nag.acknowledge(
        role,
        "AwsSolutions-IAM4",
        "The role ECS assumes to shift traffic between the two target groups of a blue/green, canary or "
        "linear deployment carries AWS's purpose-built AmazonECSInfrastructureRolePolicyForLoadBalancers "
        "(listener rules and target registration only), kept current by AWS as ECS deployments evolve.",
        findings=[f"Policy::{nag.flatten_reference(arn)}" for arn in arns],
    )


def rollback_alarm(
    scope: Construct,
    service: ecs.FargateService,
    spec: rules.DeploymentSpec,
    groups: TargetGroups,
    alarms: Sequence[cloudwatch.IAlarm],
) -> cloudwatch.Alarm | None:
    """The 5xx alarm of a traffic-shifting deployment, if any; it and ``alarms`` roll a deployment back.

    The service names its deployment alarms, so an alarm whose name is a token (a generated name) makes
    the service depend on it; aws-cdk-lib's ``enableDeploymentAlarms`` notes each such name ("may cause
    a circular dependency"). A cycle needs the alarm to depend on the service too: the 5xx alarm watches
    the target groups only, and gets a fixed name, so neither the cycle nor the note applies to it; a
    user's alarm on the service's own metrics with a generated name is the real cycle, refused here.
    """
    for index, alarm in enumerate(alarms):
        _refuse_cycle(index, alarm, service)
    names = [alarm.alarm_name for alarm in alarms]
    built = None
    if spec.rollback_on_5xx is not None and groups.alternate is not None:
        # A fixed name, given to the service as the plain string (``alarm_name`` would be a token): the
        # service does not depend on the alarm, which depends on the target groups only.
        # Unique per account and Region as the stack name is; at most 255 characters (PutMetricAlarm).
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
        name = Names.unique_resource_name(scope, max_length=240, separator="-") + "-Deployment5xx"
        built = _deployment_5xx_alarm(scope, spec.rollback_on_5xx, groups, name)
        # The name is no reference: keep the order a reference gave (the alarm exists before the service).
        service_resource = service.node.default_child
        if isinstance(service_resource, ecs.CfnService):
            service_resource.node.add_dependency(built)
        names.append(name)
    if names:
        service.enable_deployment_alarms(names, behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM)
    return built


def _refuse_cycle(index: int, alarm: cloudwatch.IAlarm, service: ecs.FargateService) -> None:
    """A rollback alarm with a generated name that references the service: the deployment cannot be created."""
    resource = alarm.node.default_child if isinstance(alarm, Construct) else None
    if not Token.is_unresolved(alarm.alarm_name) or not isinstance(resource, cloudwatch.CfnAlarm):
        return
    stack = Stack.of(service)
    if Stack.of(resource) is not stack or not isinstance(service.node.default_child, ecs.CfnService):
        return
    service_id = stack.resolve(service.node.default_child.logical_id)
    watched = json.dumps(stack.resolve([resource.dimensions, resource.metrics]))
    if f'"{service_id}"' in watched:
        raise invalid(
            f"deployment.rollback_alarms[{index}]",
            describe(alarm),
            "an alarm with a fixed alarm_name when it watches this service's own metrics: the service names "
            "its deployment alarms and the alarm references the service, a circular dependency CloudFormation "
            "refuses (aws-cdk-lib aws-ecs README, 'Deployment alarms')",
        )


def _deployment_5xx_alarm(scope: Construct, threshold: int, groups: TargetGroups, name: str) -> cloudwatch.Alarm:
    minute = Duration.minutes(1)
    alarm = cloudwatch.Alarm(
        scope,
        "Deployment5xxAlarm",
        alarm_name=name,
        alarm_description=f"{scope.node.path}: the tasks return 5xx; rolls a deployment back",
        metric=cloudwatch.MathExpression(
            expression="FILL(blue, 0) + FILL(green, 0)",
            using_metrics={
                name: group.metrics.http_code_target(
                    elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=minute, statistic="Sum"
                )
                for name, group in (("blue", groups.target_group), ("green", groups.alternate))
                if group is not None
            },
            period=minute,
            label="5xx responses of the tasks (both target groups)",
        ),
        threshold=threshold,
        evaluation_periods=2,
        datapoints_to_alarm=2,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    nag.acknowledge_rule(
        alarm,
        "CloudWatchAlarmAction",
        "This alarm's action is the rollback: ECS watches it during a deployment and rolls back when it "
        "fires (the service's deployment alarms); it is not meant to page anyone.",
        guard=["cloudwatch_alarm_action_check"],
    )
    return alarm
