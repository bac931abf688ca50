"""AlbFargateService: Hardened tasks, the idle timeout, ECS Exec and dual-stack load balancers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Annotations as CoreAnnotations
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import (
    AlbFargateService,
    ButtressError,
    Network,
)
from buttress.alb_fargate import PLAIN_HTTP_WARNING
from tests.fargate.helpers import (
    IMAGE,
    Shared,
    counter,
    fails,
    logical_id_of,
    make_vpc,
    make_zone,
    one_resource,
)
from tests.harness import new_stack, resources_of_type

# -- hardened tasks and the idle timeout ------------------------------------------------------------


def test_non_root_read_only_task_with_writable_volumes_and_an_idle_timeout() -> None:
    stack = new_stack("Hardened")
    AlbFargateService(
        stack,
        "Web",
        vpc=make_vpc(stack),
        image=IMAGE,
        protocol="HTTP",
        user="1000:1000",
        read_only_root_filesystem=True,
        writable_paths=["/tmp", "/var/cache/app"],
        idle_timeout=Duration.minutes(5),
    )
    template = dict(Template.from_stack(stack).to_json())
    task = one_resource(template, "AWS::ECS::TaskDefinition")["Properties"]
    (container,) = task["ContainerDefinitions"]
    assert container["User"] == "1000:1000"
    assert container["ReadonlyRootFilesystem"] is True
    assert container["MountPoints"] == [
        {"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "writable-0"},
        {"ContainerPath": "/var/cache/app", "ReadOnly": False, "SourceVolume": "writable-1"},
    ]
    assert task["Volumes"] == [{"Name": "writable-0"}, {"Name": "writable-1"}]
    lb = one_resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    attributes = {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == "300"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"user": "root"}, r"user='root' is invalid: a non-root user"),
        ({"writable_paths": ["/tmp"]}, r"writable_paths=\['/tmp'\] is invalid: only with read_only_root_filesystem"),
        ({"read_only_root_filesystem": "yes"}, r"read_only_root_filesystem='yes' is invalid: True or False"),
        ({"idle_timeout": Duration.hours(2)}, r"idle_timeout='7200s' is invalid: 1 to 4000 seconds"),
        ({"idle_timeout": 60}, r"idle_timeout=60 is invalid: a Duration"),
    ],
)
def test_hardening_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str) -> None:
    fails(error_stack, message, **props)


def test_idle_timeout_belongs_to_the_load_balancer_owner(shared: Shared) -> None:
    with pytest.raises(
        ButtressError, match=r"^Shared/Idle: idle_timeout=.* is invalid: not given with load_balancer_of"
    ):
        AlbFargateService(
            shared.stack,
            "Idle",
            vpc=shared.web.load_balancer.vpc,  # type: ignore[arg-type]
            image=IMAGE,
            load_balancer_of=shared.web,
            priority=99,
            path_patterns=["/idle/*"],
            idle_timeout=Duration.minutes(5),
        )


# -- ECS Exec ----------------------------------------------------------------------------------------


def test_ecs_exec_logs_sessions_to_an_encrypted_log_group_and_stays_nag_clean() -> None:
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Exec")
    service = AlbFargateService(stack, "Web", vpc=Network(stack, "Net"), image=IMAGE, protocol="HTTP", enable_exec=True)
    CoreAnnotations.of(service).acknowledge_warning(PLAIN_HTTP_WARNING, "test")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name("Exec").template
    key = logical_id_of(template, "AWS::KMS::Key", "Web/ExecKey")
    logs_id = logical_id_of(template, "AWS::Logs::LogGroup", "Web/ExecLogs")
    assert template["Resources"][key]["Properties"]["EnableKeyRotation"] is True
    assert template["Resources"][logs_id]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    cluster = one_resource(template, "AWS::ECS::Cluster")["Properties"]
    assert cluster["Configuration"]["ExecuteCommandConfiguration"] == {
        "KmsKeyId": {"Fn::GetAtt": [key, "Arn"]},
        "LogConfiguration": {"CloudWatchEncryptionEnabled": True, "CloudWatchLogGroupName": {"Ref": logs_id}},
        "Logging": "OVERRIDE",
    }
    assert one_resource(template, "AWS::ECS::Service")["Properties"]["EnableExecuteCommand"] is True
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in resources_of_type(template, "AWS::IAM::Policy").items()
        if "TaskRole" in k
    ]
    granted = {
        action: json.dumps(statement["Resource"])
        for statement in policy
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }
    assert set(granted) == {
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
        "logs:DescribeLogGroups",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    }
    assert granted["kms:Decrypt"] == json.dumps({"Fn::GetAtt": [key, "Arn"]})
    assert logs_id in granted["logs:PutLogEvents"]
    assert service.exec_key is not None and service.exec_log_group is not None


def test_ecs_exec_needs_the_constructs_own_cluster(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    stack, vpc = error_stack
    cluster = ecs.Cluster(stack, f"Shared{next(counter)}", vpc=vpc)
    fails(error_stack, r"enable_exec=True is invalid: only without cluster", enable_exec=True, cluster=cluster)
    fails(error_stack, r"enable_exec='yes' is invalid: True or False", enable_exec="yes")


# -- dual-stack --------------------------------------------------------------------------------------


def test_dual_stack_load_balancer_admits_ipv6_and_gets_an_aaaa_alias() -> None:
    stack = new_stack("DualStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1, ip_protocol=ec2.IpProtocol.DUAL_STACK)
    AlbFargateService(
        stack, "Web", vpc=vpc, image=IMAGE, dual_stack=True, domain_name="www.example.com", hosted_zone=make_zone(stack)
    )
    template = dict(Template.from_stack(stack).to_json())
    lb = one_resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["IpAddressType"] == "dualstack"
    sg = logical_id_of(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ingress = resources_of_type(template, "AWS::EC2::SecurityGroup")[sg]["Properties"]["SecurityGroupIngress"]
    assert sorted((r.get("CidrIp") or r.get("CidrIpv6"), r["FromPort"]) for r in ingress) == [
        ("0.0.0.0/0", 80),
        ("0.0.0.0/0", 443),
        ("::/0", 80),
        ("::/0", 443),
    ]
    records = sorted(r["Properties"]["Type"] for r in resources_of_type(template, "AWS::Route53::RecordSet").values())
    assert records == ["A", "AAAA"]


def test_dual_stack_needs_ipv6_in_the_vpc(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    fails(error_stack, r"dual_stack=True is invalid: only in a VPC with IPv6 \(Errors/Vpc has none\)", dual_stack=True)
    fails(error_stack, r"ingress_cidrs='::/0' is invalid: an IPv4 CIDR", ingress_cidrs=["::/0"])
