"""AlbFargateService: Container health checks."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from buttress import (
    AlbFargateService,
    Sidecar,
)
from tests.fargate.helpers import (
    IMAGE,
    fails,
    make_vpc,
    one_resource,
)
from tests.harness import new_stack

# -- container health checks -------------------------------------------------------------------


def test_container_health_checks_are_written_with_every_default_spelled_out() -> None:
    stack = new_stack("Health")
    AlbFargateService(
        stack,
        "Web",
        vpc=make_vpc(stack),
        image=IMAGE,
        protocol="HTTP",
        container_health_check=ecs.HealthCheck(command=["CMD-SHELL", "curl -f http://localhost/ || exit 1"]),
        sidecars=[
            Sidecar(
                name="proxy",
                image=IMAGE,
                port=9901,
                health_check=ecs.HealthCheck(
                    command=["CMD", "/ready"], interval=Duration.seconds(10), start_period=Duration.seconds(60)
                ),
            )
        ],
    )
    containers = one_resource(dict(Template.from_stack(stack).to_json()), "AWS::ECS::TaskDefinition")["Properties"][
        "ContainerDefinitions"
    ]
    checks = {c["Name"]: c["HealthCheck"] for c in containers}
    assert checks == {
        "app": {
            "Command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
            "Interval": 30,
            "Timeout": 5,
            "Retries": 3,
            "StartPeriod": 0,
        },
        "proxy": {"Command": ["CMD", "/ready"], "Interval": 10, "Timeout": 5, "Retries": 3, "StartPeriod": 60},
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"container_health_check": ["CMD", "x"]},
            r"container_health_check=\['CMD', 'x'\] is invalid: an ecs.HealthCheck\(command=\[...\], ...\), not list",
        ),
        (
            {"container_health_check": ecs.HealthCheck(command=["curl -f localhost"])},
            r"container_health_check.command=\['curl -f localhost'\] is invalid",
        ),
        (
            {"container_health_check": ecs.HealthCheck(command=["CMD", "x"], interval=Duration.minutes(10))},
            r"container_health_check.interval='600s' is invalid: 5 to 300 seconds \(the ECS limit\)",
        ),
        (
            {"container_health_check": ecs.HealthCheck(command=["CMD", "x"], timeout=Duration.millis(2500))},
            r"container_health_check.timeout='2 seconds 500 millis' is invalid: a whole number of seconds",
        ),
        (
            {
                "sidecars": [
                    Sidecar(name="p", image=IMAGE, health_check=ecs.HealthCheck(command=["CMD", "x"], retries=11))
                ]
            },
            r"sidecars\[0\].health_check.retries=11 is invalid: 1 to 10",
        ),
    ],
)
def test_container_health_check_errors_at_synth(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    fails(error_stack, message, **props)
