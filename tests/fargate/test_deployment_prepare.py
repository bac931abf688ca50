"""AlbFargateService: moving from rolling to canary/linear/blue-green in ECS's two deployments.

ECS documents the move as two updates: first the load balancer's advanced configuration (alternate
target group, production and test listener rules) with the ROLLING strategy, then the strategy:
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/migrate-deployment-strategies.html
``Deployment.rolling(prepare_traffic_shifting=True)`` is the first step: step two changes only the strategy.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from buttress import AlbFargateService, Deployment
from tests.fargate.helpers import IMAGE, fails, make_vpc
from tests.harness import new_stack, resources_of_type


def _template(deployment: Deployment) -> dict[str, Any]:
    stack = new_stack("Prepare")
    AlbFargateService(stack, "Svc", vpc=make_vpc(stack), image=IMAGE, protocol="HTTP", deployment=deployment)
    return dict(Template.from_stack(stack).to_json())


def _without_strategy(template: dict[str, Any]) -> dict[str, Any]:
    resources = {k: v for k, v in template["Resources"].items() if v["Type"] != "AWS::CloudWatch::Alarm"}
    for resource in resources.values():
        if resource["Type"] == "AWS::ECS::Service":
            config = dict(resource["Properties"]["DeploymentConfiguration"])
            for key in ("Strategy", "BakeTimeInMinutes", "CanaryConfiguration", "Alarms"):
                config.pop(key, None)
            resource["Properties"]["DeploymentConfiguration"] = config
            resource["DependsOn"] = [d for d in resource.get("DependsOn", []) if "Alarm" not in d]
    return resources


def test_prepared_rolling_has_the_advanced_configuration_and_a_rolling_strategy() -> None:
    template = _template(Deployment.rolling(prepare_traffic_shifting=True, test_listener_port=8080))
    (service,) = resources_of_type(template, "AWS::ECS::Service").values()
    assert service["Properties"]["DeploymentConfiguration"]["Strategy"] == "ROLLING"
    (balancer,) = service["Properties"]["LoadBalancers"]
    assert set(balancer["AdvancedConfiguration"]) >= {
        "AlternateTargetGroupArn",
        "ProductionListenerRule",
        "TestListenerRule",
        "RoleArn",
    }
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::TargetGroup")) == 2


def test_the_second_step_changes_only_the_strategy() -> None:
    step_one = _template(Deployment.rolling(prepare_traffic_shifting=True, test_listener_port=8080))
    step_two = _template(Deployment.canary(test_listener_port=8080, rollback_on_5xx=None))
    assert _without_strategy(step_one) == _without_strategy(step_two)


def test_plain_rolling_is_unchanged() -> None:
    template = _template(Deployment.rolling())
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::TargetGroup")) == 1


def test_a_test_listener_only_when_preparing(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    fails(
        error_stack,
        r"deployment.test_listener_port=8080 is invalid: not given with the ROLLING strategy",
        deployment=Deployment.rolling(test_listener_port=8080),
    )
