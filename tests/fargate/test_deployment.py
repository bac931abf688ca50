"""AlbFargateService: Deployments: rolling by default, ECS-native blue/green, canary and linear."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2

from buttress import (
    AlbFargateService,
    ButtressError,
    Deployment,
)
from tests.fargate.helpers import (
    IMAGE,
    Canary,
    Public,
    fails,
    logical_id_of,
)
from tests.harness import resources_of_type

# -- deployments: rolling by default, ECS-native blue/green, canary and linear -------------------


def _service_of(template: dict[str, Any], name: str) -> dict[str, Any]:
    return resources_of_type(template, "AWS::ECS::Service")[
        logical_id_of(template, "AWS::ECS::Service", f"{name}/Service")
    ]


def test_canary_shifts_a_share_first_then_bakes_and_rolls_back_on_alarms(canary: Canary) -> None:
    template = canary.template
    config = _service_of(template, "Web")["Properties"]["DeploymentConfiguration"]
    assert config["Strategy"] == "CANARY"
    assert config["CanaryConfiguration"] == {"CanaryBakeTimeInMinutes": 5, "CanaryPercent": 10}
    assert config["BakeTimeInMinutes"] == 10
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    alarm_id = logical_id_of(template, "AWS::CloudWatch::Alarm", "Web/Deployment5xxAlarm")
    latency_id = logical_id_of(template, "AWS::CloudWatch::Alarm", "Canary/Latency")
    alarm_name = resources_of_type(template, "AWS::CloudWatch::Alarm")[alarm_id]["Properties"]["AlarmName"]
    assert config["Alarms"] == {
        "AlarmNames": [{"Ref": latency_id}, alarm_name],
        "Enable": True,
        "Rollback": True,
    }
    alarm = resources_of_type(template, "AWS::CloudWatch::Alarm")[alarm_id]["Properties"]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (10, 2, 2)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert [m.get("Expression") for m in alarm["Metrics"] if "Expression" in m] == ["FILL(blue, 0) + FILL(green, 0)"]


def test_traffic_shifting_uses_two_target_groups_a_catch_all_production_rule_and_a_test_listener(
    canary: Canary,
) -> None:
    template = canary.template
    blue = logical_id_of(template, "AWS::ElasticLoadBalancingV2::TargetGroup", "Web/TargetGroup/")
    green = logical_id_of(template, "AWS::ElasticLoadBalancingV2::TargetGroup", "Web/AlternateTargetGroup/")
    (balancer,) = _service_of(template, "Web")["Properties"]["LoadBalancers"]
    production = logical_id_of(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Web/ProductionRule")
    test_rule = logical_id_of(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Web/TestRule")
    assert balancer["TargetGroupArn"] == {"Ref": blue}
    advanced = balancer["AdvancedConfiguration"]
    assert advanced["AlternateTargetGroupArn"] == {"Ref": green}
    assert advanced["ProductionListenerRule"] == {"Ref": production}
    assert advanced["TestListenerRule"] == {"Ref": test_rule}
    rule = resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule")[production]["Properties"]
    assert rule["Priority"] == 50000
    assert rule["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    weights = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    assert weights == [
        {"TargetGroupArn": {"Ref": blue}, "Weight": 100},
        {"TargetGroupArn": {"Ref": green}, "Weight": 0},
    ]
    listeners = sorted(
        (v["Properties"]["Port"], v["Properties"]["Protocol"])
        for v in resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    )
    assert listeners == [(80, "HTTP"), (443, "HTTPS"), (8443, "HTTPS")]
    assert canary.web.test_listener is not None and canary.web.alternate_target_group is not None
    # The test port is not opened to the internet: only the listener ports are.
    lb_sg = logical_id_of(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ports = [
        r["FromPort"]
        for r in resources_of_type(template, "AWS::EC2::SecurityGroup")[lb_sg]["Properties"]["SecurityGroupIngress"]
    ]
    assert sorted(ports) == [80, 443]


def test_a_shared_service_shifts_traffic_on_its_own_listener_rule(canary: Canary) -> None:
    template = canary.template
    config = _service_of(template, "Docs")["Properties"]["DeploymentConfiguration"]
    assert config["Strategy"] == "LINEAR"
    assert config["LinearConfiguration"] == {"StepBakeTimeInMinutes": 5, "StepPercent": 25}
    assert "Alarms" not in config  # rollback_on_5xx=None and no alarms of its own
    (balancer,) = _service_of(template, "Docs")["Properties"]["LoadBalancers"]
    rule = logical_id_of(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Docs/ListenerRule")
    assert balancer["AdvancedConfiguration"]["ProductionListenerRule"] == {"Ref": rule}
    assert canary.docs.production_rule is canary.docs.listener_rule


def test_rolling_stays_the_default(public: Public) -> None:
    config = _service_of(public.template, "Web")["Properties"]["DeploymentConfiguration"]
    assert "Strategy" not in config and "Alarms" not in config
    assert public.service.alternate_target_group is None and public.service.production_rule is None


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"deployment": "CANARY"}, r"deployment='CANARY' is invalid: a buttress.Deployment"),
        (
            {"deployment": Deployment.canary(bake_time=Duration.seconds(90))},
            r"deployment.bake_time='1 minute 30 seconds' is invalid: a whole number of minutes",
        ),
        (
            {"deployment": Deployment.canary(percent=0)},
            r"deployment.percent=0 is invalid: a multiple of 0.1 from 0.1 to 100 percent \(ECS\)",
        ),
        (
            {"deployment": Deployment.blue_green(), "scale_on_requests_per_target": 100},
            r"scale_on_requests_per_target=100 is invalid: not given with deployment strategy BLUE_GREEN",
        ),
        (
            {"deployment": Deployment.blue_green(test_listener_port=80)},
            r"deployment.test_listener_port=80 is invalid: a port no other listener uses \(\[80\]\)",
        ),
        (
            {"deployment": Deployment.rolling(rollback_alarms=["HighLatency"])},  # type: ignore[list-item]
            r"deployment.rollback_alarms\[0\]='HighLatency' is invalid: a cloudwatch.IAlarm, not str",
        ),
    ],
)
def test_deployment_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str) -> None:
    fails(error_stack, message, **props)


def test_a_test_listener_belongs_to_the_load_balancer_owner(canary: Canary) -> None:
    with pytest.raises(
        ButtressError,
        match=r"^Canary/Extra: deployment.test_listener_port=9000 is invalid: not given with load_balancer_of",
    ):
        AlbFargateService(
            canary.stack,
            "Extra",
            vpc=canary.web.load_balancer.vpc,  # type: ignore[arg-type]
            image=IMAGE,
            load_balancer_of=canary.web,
            priority=20,
            path_patterns=["/x/*"],
            deployment=Deployment.blue_green(test_listener_port=9000),
        )
