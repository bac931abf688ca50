"""VpcCodeBuild on a reserved-capacity fleet in the build subnets (not in the default example: it bills while idle)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from buttress.rules.codebuild_batch import check_fleet
from tests.harness import new_stack

SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ["make"]}}}
_ids = itertools.count()


def _id(stack: Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


@pytest.fixture(scope="module")
def fleet() -> tuple[Stack, VpcCodeBuild, Mapping[str, Any]]:
    stack = new_stack("Fleet")
    network = Network(stack, "Net")
    database = ec2.SecurityGroup(stack, "Database", vpc=network.vpc, allow_all_outbound=False)
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC,
        concurrent_build_limit=2,
        compute_type=codebuild.ComputeType.MEDIUM,
        fleet_capacity=2,
        fleet_max_capacity=4,
        fleet_overflow=codebuild.FleetOverflowBehavior.ON_DEMAND,
    )
    build.allow_to(database, 5432)
    return stack, build, Template.from_stack(stack).to_json()


def test_fleet_in_the_build_subnets_with_its_own_group_and_scaling(fleet: Any) -> None:
    stack, build, template = fleet
    assert build.fleet is not None and build.fleet_security_group is not None
    props = template["Resources"][_id(stack, build.fleet)]["Properties"]
    project = template["Resources"][_id(stack, build.project)]["Properties"]
    assert (props["BaseCapacity"], props["ComputeType"], props["EnvironmentType"]) == (
        2,
        "BUILD_GENERAL1_MEDIUM",
        "LINUX_CONTAINER",
    )
    assert props["OverflowBehavior"] == "ON_DEMAND"
    assert props["ScalingConfiguration"] == {
        "ScalingType": "TARGET_TRACKING_SCALING",
        "MaxCapacity": 4,
        "TargetTrackingScalingConfigs": [{"MetricType": "FLEET_UTILIZATION_RATE", "TargetValue": 75}],
    }
    vpc_config = props["FleetVpcConfig"]
    # The VPC is the fleet's: CloudFormation disallows a project VpcConfig beside a fleet, and aws-cdk-lib
    # warns "Project 'vpc' does nothing when using a Fleet".
    # https://docs.aws.amazon.com/codebuild/latest/userguide/fleets.reserved-capacity-fleets.html
    assert "VpcConfig" not in project
    assert vpc_config["Subnets"] == [{"Ref": _id(stack, s)} for s in build.vpc.private_subnets]
    assert vpc_config["SecurityGroupIds"] == [{"Fn::GetAtt": [_id(stack, build.fleet_security_group), "GroupId"]}]
    assert "FleetServiceRole" in props
    assert project["Environment"]["Fleet"] == {"FleetArn": {"Fn::GetAtt": [_id(stack, build.fleet), "Arn"]}}


def test_on_demand_overflow_keeps_the_vpc_permissions_on_the_project_role(fleet: Any) -> None:
    # "If you choose to set your overflow behavior to on-demand while creating a VPC-connected fleet, make
    # sure that you add the required VPC permissions to your project service role."
    # https://docs.aws.amazon.com/codebuild/latest/userguide/fleets.reserved-capacity-fleets.html
    stack, build, template = fleet
    assert build.vpc_policy is not None
    policy = template["Resources"][_id(stack, build.vpc_policy)]["Properties"]
    assert policy["Roles"] == [{"Ref": _id(stack, build.role)}]
    assert "ec2:CreateNetworkInterface" in policy["PolicyDocument"]["Statement"][0]["Action"]


def test_a_queueing_fleet_project_has_no_vpc_of_its_own_and_no_aws_cdk_lib_warning() -> None:
    from aws_cdk.assertions import Annotations, Match

    stack = new_stack("QueueFleet")
    build = VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, fleet_capacity=1
    )
    template = Template.from_stack(stack).to_json()
    assert "VpcConfig" not in template["Resources"][_id(stack, build.project)]["Properties"]
    assert build.vpc_policy is None  # builds never leave the fleet: its own service role makes the interfaces
    warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    assert [w for w in warnings if "aws-cdk" in str(w.entry.data)] == []


def test_allow_to_opens_the_path_from_the_fleet_too(fleet: Any) -> None:
    stack, build, template = fleet
    egress = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::EC2::SecurityGroupEgress"]
    sources = sorted(str(r["GroupId"]) for r in egress if r["FromPort"] == 5432)
    assert sources == sorted(
        str({"Fn::GetAtt": [_id(stack, sg), "GroupId"]}) for sg in (build.security_group, build.fleet_security_group)
    )
    inline = template["Resources"][_id(stack, build.fleet_security_group)]["Properties"]["SecurityGroupEgress"]
    assert [(r["CidrIp"], r["FromPort"]) for r in inline] == [("0.0.0.0/0", 443)]


def test_fleet_rules() -> None:
    assert check_fleet(capacity=None, max_capacity=None, overflow_given=False, compute_type="X", image_type="Y") is None
    plan = check_fleet(
        capacity=2, max_capacity=5, overflow_given=True, compute_type="SMALL", image_type="ARM_CONTAINER"
    )
    assert plan is not None and plan.most_instances == 5


@pytest.fixture(scope="module")
def errors_stack() -> tuple[Stack, Network]:
    stack = new_stack("FleetErrors")
    return stack, Network(
        stack, "Net", cidr="10.0.0.0/24", public_subnet_mask=26, private_subnet_mask=28, isolated_subnet_mask=28
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"fleet_max_capacity": 3}, r"fleet_max_capacity=3 is invalid: only with fleet_capacity"),
        (
            {"fleet_overflow": codebuild.FleetOverflowBehavior.QUEUE},
            r"fleet_overflow=None is invalid: only with fleet_capacity",
        ),
        ({"fleet_capacity": 0}, r"fleet_capacity=0 is invalid"),
        ({"fleet_capacity": "2"}, r"fleet_capacity='2' is invalid: a whole number \(int\)"),
        ({"fleet_capacity": 3, "fleet_max_capacity": 2}, r"fleet_max_capacity=2 is invalid"),
        ({"fleet_capacity": 1, "fleet_overflow": "QUEUE"}, r"fleet_overflow='QUEUE' is invalid: a codebuild.Fleet"),
        (
            {"fleet_capacity": 1, "compute_type": codebuild.ComputeType.LAMBDA_1GB},
            r"compute_type='LAMBDA_1GB' is invalid: a fleet compute type",
        ),
        (
            {"fleet_capacity": 1, "build_image": codebuild.WindowsBuildImage.WIN_SERVER_CORE_2019_BASE_3_0},
            r"build_image='WINDOWS_SERVER_2019_CONTAINER' is invalid: an image a fleet runs",
        ),
        # Two /28 hold 22: 2 builds + 16 instances + a margin of 5 do not fit.
        (
            {"fleet_capacity": 4, "fleet_max_capacity": 16},
            r"concurrent_build_limit=2 is invalid: .*2 builds and 16 fleet instances \+ a margin of 5",
        ),
    ],
)
def test_bad_fleet_props_name_the_construct(errors_stack: Any, props: dict[str, Any], message: str) -> None:
    stack, network = errors_stack
    with pytest.raises(ButtressError, match=rf"^FleetErrors/Build\d+: {message}"):
        VpcCodeBuild(stack, f"Build{next(_ids)}", vpc=network, build_spec=SPEC, concurrent_build_limit=2, **props)


@pytest.mark.parametrize("env", [None, ("111122223333", "eu-west-1")], ids=["env-agnostic", "explicit-env"])
def test_fleet_is_nag_clean(env: tuple[str, str] | None) -> None:
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "S", env=Environment(account=env[0], region=env[1]) if env else None)
    VpcCodeBuild(stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, fleet_capacity=1)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged finding


def test_make_cost_shows_the_fleet_billing_while_idle(fleet: Any) -> None:
    from buttress.tools.cost import estimate_template

    stack, build, template = fleet
    cost = estimate_template(template, name="Fleet")
    (line,) = [line for line in cost.lines if line.logical_id == _id(stack, build.fleet)]
    assert line.rate.key == "codebuild_fleet_build_general1_medium"
    assert line.quantity == 2
    assert line.monthly == pytest.approx(2 * 0.6 * 730)
    assert any("idle" in note for note in line.notes)
    assert not [entry for entry in cost.not_priced if entry[1] == "AWS::CodeBuild::Fleet"]
