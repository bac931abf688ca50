"""AlbFargateService: Spot on or off is an in-place update; the service waits for the capacity providers.

ECS::Service ``LaunchType`` is "Update requires: Replacement" and may not be given with
``CapacityProviderStrategy``, whose changes are in place (since June 2025):
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html
(aws-cdk issue 24907). The association must exist before the service is created and outlive it on
delete (containers-roadmap 631).
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from buttress import AlbFargateService
from tests.fargate.helpers import IMAGE, make_vpc, one_resource
from tests.harness import new_stack, resources_of_type


def _template(*, spot: bool, cluster: str = "own") -> dict[str, Any]:
    stack: Stack = new_stack("Capacity")
    vpc = make_vpc(stack)
    given: ecs.ICluster | None = None
    if cluster == "app":
        given = ecs.Cluster(stack, "Shared", vpc=vpc)
    elif cluster == "imported":
        given = ecs.Cluster.from_cluster_attributes(stack, "Imported", cluster_name="shared", vpc=vpc)
    AlbFargateService(stack, "Svc", vpc=vpc, image=IMAGE, protocol="HTTP", spot=spot, cluster=given)
    return dict(Template.from_stack(stack).to_json())


@pytest.mark.parametrize("cluster", ["own", "app"])
def test_spot_on_and_off_change_only_the_capacity_provider_strategy(cluster: str) -> None:
    off = one_resource(_template(spot=False, cluster=cluster), "AWS::ECS::Service")["Properties"]
    on = one_resource(_template(spot=True, cluster=cluster), "AWS::ECS::Service")["Properties"]
    assert "LaunchType" not in off and "LaunchType" not in on
    assert off["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Weight": 1}]
    changed = {key for key in {*on, *off} if on.get(key) != off.get(key)}
    assert changed == {"CapacityProviderStrategy"}


def test_an_imported_cluster_keeps_the_launch_type() -> None:
    # Its capacity providers cannot be associated from here, and spot is refused with it.
    service = one_resource(_template(spot=False, cluster="imported"), "AWS::ECS::Service")["Properties"]
    assert service["LaunchType"] == "FARGATE"
    assert "CapacityProviderStrategy" not in service


@pytest.mark.parametrize("spot", [False, True])
def test_the_service_depends_on_the_capacity_provider_associations(spot: bool) -> None:
    template = _template(spot=spot)
    (association,) = resources_of_type(template, "AWS::ECS::ClusterCapacityProviderAssociations")
    service = one_resource(template, "AWS::ECS::Service")
    assert association in service.get("DependsOn", [])
