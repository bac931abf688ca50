"""VpcCodeBuild synth-time errors: bad props, roles, ports, subnet capacity, missing endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from tests.codebuild.common import (
    IDS,
    SPEC,
    SPEC_WITH_ARTIFACTS,
    build_in,
    project_of,
    synth_error,
)
from tests.harness import new_stack


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"subnet_type": ec2.SubnetType.PUBLIC},
            r"subnet_type='PUBLIC' is invalid: PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED",
        ),
        ({"build_spec": None}, r"build_spec=None is invalid: a build spec mapping"),
        ({"build_spec": "buildspec.yml"}, r"build_spec='buildspec.yml' is invalid: a build spec mapping: .* no files"),
        ({"build_spec": {"phases": {}}}, r"build_spec=\['phases'\] is invalid: .*'version'"),
        (
            {"build_spec": SPEC, "artifacts": True},
            r"build_spec=\['phases', 'version'\] is invalid: an 'artifacts' section",
        ),
        ({"timeout": Duration.minutes(2)}, r"timeout='2 minutes' is invalid: whole minutes from 5 to 2160"),
        ({"timeout": Duration.hours(40)}, r"timeout='1 day 16 hours' is invalid"),
        ({"cache": "efs"}, r"cache='efs' is invalid: one of 'none', 'local', 's3' \(or buttress.BuildCache.<NAME>\)"),
        ({"cache": "S3"}, r"cache='S3' is invalid: .*\(did you mean 's3'\?\)"),
        (
            {"cache": "local", "local_cache_modes": [codebuild.LocalCacheMode.DOCKER_LAYER]},
            r"local_cache_modes='DOCKER_LAYER' is invalid: .*privileged=True",
        ),
        ({"environment_variables": {"1X": "a"}}, r"environment_variables='1X' is invalid: variable names"),
        ({"environment_variables": {"CODEBUILD_X": "a"}}, r"environment_variables='CODEBUILD_X' is invalid"),
        (
            {"environment_variables": {"X": "a"}, "parameter_store_variables": {"X": "/p"}},
            r"parameter_store_variables='X' is invalid: a name not already set",
        ),
        ({"secrets_manager_variables": {"S": " "}}, r"secrets_manager_variables=\{'S': ' '\} is invalid"),
        ({"build_services": ["sts", "nope"]}, r"build_services=\['nope'\] is invalid"),
        ({"concurrent_build_limit": 0}, r"concurrent_build_limit=0 is invalid: at least 1"),
        (
            {"parameter_store_variables": {"P": "arn:aws:ssm:eu-west-1:123456789012:parameter/p"}},
            r"parameter_store_variables=\{'P': 'arn:aws:ssm:.*'\} is invalid: a parameter name such as",
        ),
        (
            {"artifact_expiration": Duration.days(5)},
            r"artifact_expiration='5 days' is invalid: only with artifacts=True",
        ),
        (
            {"artifacts": True, "build_spec": SPEC_WITH_ARTIFACTS, "artifact_expiration": Duration.hours(36)},
            r"artifact_expiration='1 day 12 hours' is invalid: whole days, at least 1, or None",
        ),
        (
            {"build_image": codebuild.LinuxLambdaBuildImage.AMAZON_LINUX_2023_PYTHON_3_12},
            r"build_image='aws/codebuild/amazonlinux-x86_64-lambda-standard:python3.12' is invalid: an EC2-compute",
        ),
    ],
)
def test_bad_props_fail_at_synth_naming_the_prop(errors_stack: Any, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        build_in(errors_stack, **props)


def test_file_build_spec_from_the_source_must_be_relative(errors_stack: Any) -> None:
    bucket = s3.Bucket.from_bucket_name(errors_stack[0], f"Src{next(IDS)}", "sources")
    with pytest.raises(ButtressError, match=r"build_spec='/ci/spec\.yml' is invalid: a file path relative"):
        build_in(errors_stack, source=codebuild.Source.s3(bucket=bucket, path="app.zip"), build_spec="/ci/spec.yml")


def test_immutable_imported_role_is_rejected(errors_stack: Any) -> None:
    role = iam.Role.from_role_arn(
        errors_stack[0], f"Role{next(IDS)}", "arn:aws:iam::123456789012:role/x", mutable=False
    )
    with pytest.raises(ButtressError, match=r"role='arn:aws:iam::123456789012:role/x' is invalid: .*mutable=True"):
        build_in(errors_stack, role=role)


def test_allow_to_rejects_bad_ports(errors_stack: Any) -> None:
    build = build_in(errors_stack)
    with pytest.raises(ButtressError, match="port=70000 is invalid: a TCP port from 1 to 65535"):
        build.allow_to(build, 70000)


def test_a_28_subnet_pair_cannot_hold_twenty_builds() -> None:
    stack = new_stack("Small")
    network = Network(
        stack, "Net", cidr="10.0.0.0/24", public_subnet_mask=26, private_subnet_mask=28, isolated_subnet_mask=28
    )
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Build", vpc=network, build_spec=SPEC, concurrent_build_limit=20)
    assert str(err.value).startswith("Small/Build: concurrent_build_limit=20 is invalid:")
    assert "hold 22" in str(err.value)


def test_isolated_subnets_without_the_logs_endpoint_fail_at_synth_naming_it() -> None:
    stack = new_stack("NoLogsEndpoint")
    VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
    )
    assert (
        "[NoLogsEndpoint/Build] subnet_type='PRIVATE_ISOLATED' is invalid: builds in isolated subnets reach AWS only "
        "through VPC endpoints and the network lacks: logs (CloudWatch Logs: stream the build log). "
        "Add them (Network interface_endpoints=['logs']) or use PRIVATE_WITH_EGRESS subnets"
    ) in synth_error(stack)


def test_isolated_subnets_with_an_ecr_image_list_the_ecr_endpoints() -> None:
    stack = new_stack("EcrImage")
    image = codebuild.LinuxBuildImage.from_docker_registry("123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci:1")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC,
        concurrent_build_limit=2,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        build_image=image,
        build_services=["sts"],
    )
    assert "interface_endpoints=['ecr.api', 'ecr.dkr', 'logs', 'sts']" in synth_error(stack)


def test_endpoints_added_to_the_network_after_the_project_count() -> None:
    stack = new_stack("LateEndpoints")
    network = Network(stack, "Net")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC,
        concurrent_build_limit=2,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
    )
    network.add_interface_endpoint("logs")
    props = project_of(Template.from_stack(stack))["Properties"]
    isolated = network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids
    assert props["VpcConfig"]["Subnets"] == [stack.resolve(s) for s in isolated]


def test_network_without_isolated_subnets(errors_stack: Any) -> None:
    stack = new_stack("NoIsolated")
    network = Network(stack, "Net", isolated_subnet_mask=None)
    with pytest.raises(
        ButtressError,
        match=r"subnet_type='PRIVATE_ISOLATED' is invalid: a subnet type the network has \(it has no isolated",
    ):
        VpcCodeBuild(stack, "Build", vpc=network, build_spec=SPEC, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
