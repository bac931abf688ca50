"""VpcCodeBuild's vpc prop: a Network, a plain ec2.Vpc, an imported VPC."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match, Template

from buttress import ButtressError, VpcCodeBuild
from tests.codebuild.common import (
    SPEC,
    project_of,
)
from tests.harness import new_stack


def _plain_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr("10.8.0.0/24"),
        max_azs=2,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=26),
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=28),
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=28),
        ],
    )


def test_a_plain_vpc_is_checked_with_its_subnet_cidrs() -> None:
    stack = new_stack("PlainVpc")
    vpc = _plain_vpc(stack)
    build = VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, concurrent_build_limit=4)
    assert build.vpc is vpc and build.network is None
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["VpcConfig"]["VpcId"] == stack.resolve(vpc.vpc_id)
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "TooMany", vpc=vpc, build_spec=SPEC, concurrent_build_limit=20)
    assert str(err.value).startswith("PlainVpc/TooMany: concurrent_build_limit=20 is invalid: each running build")
    assert "(10.8.0.128/28: 11, 10.8.0.144/28: 11) hold 22" in str(err.value)


def test_a_plain_vpc_in_isolated_subnets_warns_that_endpoints_were_not_checked() -> None:
    stack = new_stack("PlainIsolated")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=_plain_vpc(stack),
        build_spec=SPEC,
        concurrent_build_limit=2,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
    )
    Annotations.from_stack(stack).has_warning(
        "/PlainIsolated/Build",
        "whether the VPC has the endpoints isolated builds need (s3, logs) was not checked: the VPC passed is not a "
        "buttress Network and does not say enough at synth (pass the Network, or make sure yourself) "
        "[ack: buttress:vpcNotChecked]",
    )


def test_an_imported_vpc_builds_and_warns_what_it_could_not_check() -> None:
    stack = new_stack("ImportedVpc")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    )
    VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, concurrent_build_limit=4)
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["VpcConfig"]["VpcId"] == "vpc-0123456789abcdef0"
    assert props["VpcConfig"]["Subnets"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
    Annotations.from_stack(stack).has_warning(
        "/ImportedVpc/Build",
        Match.string_like_regexp(
            r"^whether the selected subnets hold concurrent_build_limit=4 builds plus a 25% margin "
            r"\(one IP address each\) was not checked: the VPC passed is not a buttress Network"
        ),
    )


def test_an_imported_vpc_with_subnet_cidrs_is_checked() -> None:
    stack = new_stack("ImportedCidrs")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        private_subnet_ipv4_cidr_blocks=["10.1.0.0/28", "10.1.0.16/28"],
    )
    with pytest.raises(ButtressError, match=r"^ImportedCidrs/Build: concurrent_build_limit=20 is invalid: .* hold 22"):
        VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, concurrent_build_limit=20)


def test_a_vpc_without_the_subnet_type(errors_stack: Any) -> None:
    stack = new_stack("ImportedNoIsolated")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["eu-west-1a"], private_subnet_ids=["subnet-1"]
    )
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    assert str(err.value) == (
        "ImportedNoIsolated/Build: subnet_type='PRIVATE_ISOLATED' is invalid: a subnet type the network has "
        "(it has no isolated subnets)"
    )
