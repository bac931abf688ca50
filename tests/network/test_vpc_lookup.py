"""Every construct that takes a ``vpc`` synthesizes with ``ec2.Vpc.from_lookup(...)`` on the CLI's first pass.

Before the CLI has looked the VPC up, aws-cdk-lib hands out placeholder subnets (``1.2.3.4/5``,
``vpc-12345``); a check that reads them must warn ``buttress:vpcNotChecked`` instead of refusing them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match

from buttress import AlbFargateService, ButtressError, FanoutTopic, VpcCodeBuild
from buttress.network import UNCHECKED_WARNING, vpc_input

ENV = Environment(account="111122223333", region="eu-west-1")
SPEC = {"version": 0.2, "phases": {"build": {"commands": ["make"]}}}


def _looked_up() -> tuple[Stack, ec2.IVpc]:
    stack = Stack(App(), "Consumer", env=ENV)
    return stack, ec2.Vpc.from_lookup(stack, "Vpc", vpc_id="vpc-0abc")


def _build(stack: Stack, vpc: ec2.IVpc, **props: Any) -> Any:
    return VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, **props)


def _isolated_build(stack: Stack, vpc: ec2.IVpc) -> Any:
    return _build(stack, vpc, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, concurrent_build_limit=2)


def _fleet_build(stack: Stack, vpc: ec2.IVpc) -> Any:
    return _build(stack, vpc, fleet_capacity=1, compute_type=codebuild.ComputeType.SMALL)


def _topic(stack: Stack, vpc: ec2.IVpc) -> Any:
    return FanoutTopic(stack, "Topic", vpc=vpc)


def _service(stack: Stack, vpc: ec2.IVpc) -> Any:
    return AlbFargateService(stack, "Web", vpc=vpc, image="public.ecr.aws/nginx/nginx:1.27", protocol="HTTP")


@pytest.mark.parametrize(
    "make",
    [_build, _isolated_build, _fleet_build, _topic, _service],
    ids=["codebuild", "codebuild-isolated", "codebuild-fleet", "fanout", "alb-fargate"],
)
def test_first_pass_with_a_looked_up_vpc_synthesizes(make: Callable[[Stack, ec2.IVpc], Any]) -> None:
    stack, vpc = _looked_up()
    make(stack, vpc)
    stack.node.root.synth()  # type: ignore[attr-defined]


def test_what_cannot_be_checked_yet_is_warned() -> None:
    stack, vpc = _looked_up()
    _build(stack, vpc, concurrent_build_limit=2)
    Annotations.from_stack(stack).has_warning("/Consumer/Build", Match.string_like_regexp(UNCHECKED_WARNING))


def test_pending_lookup_has_no_subnet_cidrs() -> None:
    _, vpc = _looked_up()
    private = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    assert vpc_input("vpc", vpc).subnet_cidrs(private) is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            Environment(account="111122223333", region="us-east-1"),
            r"in region eu-west-1' is invalid: a VPC in this stack's region \(us-east-1\)",
        ),
        (
            Environment(account="444455556666", region="eu-west-1"),
            r"in account 111122223333' is invalid: a VPC in this stack's account \(444455556666\)",
        ),
    ],
    ids=["region", "account"],
)
def test_a_network_from_another_region_or_account_is_refused(env: Environment, message: str) -> None:
    from buttress import Network

    app = App()
    network = Network(Stack(app, "NetworkStack", env=ENV), "Net")
    consumer = Stack(app, "Consumer", env=env)
    with pytest.raises(ButtressError, match=rf"^Consumer/Build: vpc='Network NetworkStack/Net/Vpc {message}"):
        VpcCodeBuild(consumer, "Build", vpc=network, build_spec=SPEC, concurrent_build_limit=2)


def test_a_network_of_an_environment_agnostic_stack_is_not_refused() -> None:
    from buttress import Network

    app = App()
    network = Network(Stack(app, "NetworkStack"), "Net")
    VpcCodeBuild(Stack(app, "Consumer", env=ENV), "Build", vpc=network, build_spec=SPEC, concurrent_build_limit=2)
