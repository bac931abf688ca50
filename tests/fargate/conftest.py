"""The AlbFargateService stacks several test modules read, each synthesized once per test session (package scope)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template

from buttress import (
    AlbFargateService,
    Deployment,
    ListenerProtocol,
    Sidecar,
)
from tests.fargate.helpers import (
    CERT_ARN,
    IMAGE,
    Canary,
    Internal,
    Public,
    Shared,
    make_vpc,
)
from tests.harness import new_stack


@pytest.fixture(scope="package")
def public() -> Public:
    result = Public()
    stack = new_stack("Public")
    vpc = make_vpc(stack)
    parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "Param", parameter_name="/app/db-password"
    )
    secret = secretsmanager.Secret(stack, "Secret")
    result.service = AlbFargateService(
        stack,
        "Web",
        vpc=vpc,
        image=IMAGE,
        container_port=8080,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        environment={"MODE": "prod"},
        secrets={
            "DB_PASSWORD": ecs.Secret.from_ssm_parameter(parameter),
            "API_KEY": ecs.Secret.from_secrets_manager(secret),
        },
        sidecars=[Sidecar(name="proxy", image="public.ecr.aws/envoyproxy/envoy:v1.31-latest", port=9901)],
        min_capacity=2,
        max_capacity=6,
        scale_on_cpu_percent=65,
        scale_on_memory_percent=80,
        scale_on_requests_per_target=800,
    )
    result.stack = stack
    result.assertions = Template.from_stack(stack)
    result.template = dict(result.assertions.to_json())
    return result


@pytest.fixture(scope="package")
def internal() -> Internal:
    result = Internal()
    stack = new_stack("Internal")
    vpc = make_vpc(stack)
    result.api = AlbFargateService(
        stack,
        "Api",
        vpc=vpc,
        image=IMAGE,
        internal=True,
        protocol=ListenerProtocol.HTTP,
        min_capacity=1,
        max_capacity=1,
        scale_on_cpu_percent=None,
        removal_policy=RemovalPolicy.DESTROY,
    )
    same_stack_caller = ec2.SecurityGroup(stack, "Peer", vpc=vpc, allow_all_outbound=False)
    result.api.allow_from(same_stack_caller)
    # A caller in another stack (like a CodeBuild project's stack) that depends on this one.
    caller_stack = Stack(stack.node.root, "Caller")
    result.caller_sg = ec2.SecurityGroup(caller_stack, "BuildSg", vpc=vpc)
    result.api.allow_from(result.caller_sg, "integration tests")
    result.stack, result.caller_stack = stack, caller_stack
    result.template = dict(Template.from_stack(stack).to_json())
    result.caller_template = dict(Template.from_stack(caller_stack).to_json())
    return result


@pytest.fixture(scope="package")
def shared() -> Shared:
    result = Shared()
    stack = new_stack("Shared")
    vpc = make_vpc(stack)
    common: dict[str, Any] = {
        "vpc": vpc,
        "image": IMAGE,
        "min_capacity": 1,
        "max_capacity": 1,
        "scale_on_cpu_percent": None,
    }
    result.web = AlbFargateService(
        stack, "Web", certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN), **common
    )
    result.docs = AlbFargateService(
        stack,
        "Docs",
        load_balancer_of=result.web,
        priority=10,
        path_patterns=["/docs/*"],
        container_port=8080,
        **common,
    )
    result.admin = AlbFargateService(
        stack,
        "Admin",
        load_balancer_of=result.web,
        priority=20,
        host_headers=["admin.example.com"],
        path_patterns=["/ui/*", "/api/*"],
        **common,
    )
    result.stack, result.template = stack, dict(Template.from_stack(stack).to_json())
    return result


@pytest.fixture(scope="package")
def canary() -> Canary:
    result = Canary()
    stack = new_stack("Canary")
    vpc = make_vpc(stack)
    user_alarm = cloudwatch.Alarm(
        stack,
        "Latency",
        metric=cloudwatch.Metric(namespace="App", metric_name="Latency"),
        threshold=1,
        evaluation_periods=1,
    )
    result.web = AlbFargateService(
        stack,
        "Web",
        vpc=vpc,
        image=IMAGE,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        deployment=Deployment.canary(percent=10, test_listener_port=8443, rollback_alarms=[user_alarm]),
    )
    result.docs = AlbFargateService(
        stack,
        "Docs",
        vpc=vpc,
        image=IMAGE,
        load_balancer_of=result.web,
        priority=10,
        path_patterns=["/docs/*"],
        deployment=Deployment.linear(step_percent=25, rollback_on_5xx=None),
    )
    result.stack, result.template = stack, dict(Template.from_stack(stack).to_json())
    return result


@pytest.fixture(scope="package")
def error_stack() -> tuple[Stack, ec2.Vpc]:
    stack = new_stack("Errors")
    return stack, make_vpc(stack)
