"""AlbFargateService: One network argument (a Network or any IVpc), grants and metrics."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import (
    AlbFargateService,
    ButtressError,
    Network,
)
from tests.fargate.helpers import (
    CERT_ARN,
    IMAGE,
    Public,
    logical_id_of,
)
from tests.harness import new_stack, resources_of_type

# -- one network argument ----------------------------------------------------------------------


def _isolated_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Isolated",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )


def test_internal_service_in_a_vpc_without_private_subnets_with_egress_is_a_buttress_error() -> None:
    stack = new_stack("NoEgress")
    vpc = _isolated_vpc(stack)
    isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    with pytest.raises(ButtressError) as error:
        AlbFargateService(stack, "Api", vpc=vpc, image=IMAGE, protocol="HTTP", internal=True, task_subnets=isolated)
    assert str(error.value) == (
        "NoEgress/Api: vpc='NoEgress/Isolated' is invalid: a VPC with PRIVATE_WITH_EGRESS subnets for the internal "
        "load balancer (the default load_balancer_subnets), or give load_balancer_subnets (There are no 'Private' "
        "subnet groups in this VPC. Available types: Isolated,Deprecated_Isolated,Public)"
    )
    with pytest.raises(ButtressError, match=r"^NoEgress/Web: vpc='NoEgress/Isolated' is invalid: .* for the tasks"):
        AlbFargateService(stack, "Web", vpc=vpc, image=IMAGE, protocol="HTTP")
    # With both selections given, the isolated subnets (reaching AWS through endpoints) serve.
    AlbFargateService(
        stack,
        "Ok",
        vpc=vpc,
        image=IMAGE,
        protocol="HTTP",
        internal=True,
        task_subnets=isolated,
        load_balancer_subnets=isolated,
    )


def test_a_network_is_accepted_as_vpc_and_grant_read_logs_stays_nag_clean() -> None:
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Grants")
    network = Network(stack, "Net")
    service = AlbFargateService(
        stack,
        "Svc",
        vpc=network,
        image=IMAGE,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
    )
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    grant = service.grant_read_logs(reader)
    assert grant.success
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    template = assembly.get_stack_by_name("Grants").template
    (policy,) = [
        p["Properties"]
        for k, p in resources_of_type(template, "AWS::IAM::Policy").items()
        if k.startswith("ReaderDefaultPolicy")
    ]
    log_group = logical_id_of(template, "AWS::Logs::LogGroup", "Svc/Logs")
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
        }
    ]
    vpc_id = template["Resources"][logical_id_of(template, "AWS::EC2::SecurityGroup", "Svc/TaskSecurityGroup")]
    assert vpc_id["Properties"]["VpcId"] == {"Ref": logical_id_of(template, "AWS::EC2::VPC", "Net/")}


def test_metrics_take_a_keyword_only_period_defaulting_to_five_minutes(public: Public) -> None:
    svc = public.service
    assert svc.metric_target_5xx_count().period.to_seconds() == 300
    assert svc.metric_target_response_time(period=Duration.minutes(1)).period.to_seconds() == 60
    with pytest.raises(TypeError):
        svc.metric_target_response_time(Duration.minutes(1))  # type: ignore[call-arg]
    with pytest.raises(ButtressError) as error:
        svc.metric_target_5xx_count(period=60)  # type: ignore[arg-type]
    assert str(error.value) == "Public/Web: period=60 is invalid: a Duration (e.g. Duration.minutes(5)), not int"
