"""AlbFargateService: The image from a Dockerfile folder, ARM64, Spot, in a stack with a concrete region."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import App, Duration, Environment, Stack
from aws_cdk.assertions import Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import (
    AlbFargateService,
)
from tests.fargate.helpers import (
    DOCKER_APP,
    logical_id_of,
    make_vpc,
    one_resource,
)

# -- image from a Dockerfile folder, ARM64, Spot, concrete region -----------------------------


def test_docker_directory_arm64_spot_in_a_concrete_region() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Arm", env=Environment(account="111122223333", region="eu-west-1"))
    svc = AlbFargateService(
        stack,
        "Svc",
        vpc=make_vpc(stack),
        docker_directory=DOCKER_APP,
        cpu_architecture="ARM64",
        spot=True,
        on_demand_base=1,
        cpu=512,
        memory_mib=2048,
        protocol="HTTP",
        ingress_cidrs=["203.0.113.0/24"],
        health_check_path="/healthz",
        health_check_codes="200",
        deregistration_delay=Duration.seconds(5),
        deletion_protection=True,
    )
    template = dict(Template.from_stack(stack).to_json())
    task = one_resource(template, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    image = json.dumps(task["ContainerDefinitions"][0]["Image"])
    assert "container-assets" in image
    service = one_resource(template, "AWS::ECS::Service")["Properties"]
    assert service["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 0},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 1},
    ]
    assert "LaunchType" not in service
    providers = one_resource(template, "AWS::ECS::ClusterCapacityProviderAssociations")["Properties"]
    assert set(providers["CapacityProviders"]) == {"FARGATE", "FARGATE_SPOT"}
    lb_sg = logical_id_of(template, "AWS::EC2::SecurityGroup", "Svc/LoadBalancerSecurityGroup")
    assert [r["CidrIp"] for r in template["Resources"][lb_sg]["Properties"]["SecurityGroupIngress"]] == [
        "203.0.113.0/24"
    ]
    lb = one_resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert {"Key": "deletion_protection.enabled", "Value": "true"} in lb["LoadBalancerAttributes"]
    # A concrete region gets aws-cdk-lib's own access-log policy with that region's ELB account.
    assert "Mappings" not in template
    assert "156460612806" in json.dumps(one_resource(template, "AWS::S3::BucketPolicy"))
    # The Dockerfile folder is staged for `cdk deploy` to build for linux/arm64.
    assembly = app.synth()
    manifest = json.loads(next(Path(assembly.directory).glob("Arm.assets.json")).read_text())
    (entry,) = manifest["dockerImages"].values()
    assert entry["source"]["platform"] == "linux/arm64"
    staged = Path(assembly.directory) / entry["source"]["directory"]
    assert (staged / "Dockerfile").read_text() == (DOCKER_APP / "Dockerfile").read_text()
    assert "http://" in json.dumps(stack.resolve(svc.url))
