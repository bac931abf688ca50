"""VpcCodeBuild: every prop type-checked, props without effect in a mode refused, public method arguments."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_codebuild as codebuild
from aws_cdk.assertions import Template

from buttress import BuildCache, ButtressError, Network, VpcCodeBuild
from tests.codebuild.common import (
    SPEC,
    project_of,
)
from tests.harness import new_stack


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"concurrent_build_limit": "4"},
            "concurrent_build_limit='4' is invalid: a whole number (int) of at least 1, not str",
        ),
        ({"environment_variables": {"X": 1}}, "environment_variables['X']=1 is invalid: a string (write '1'), not int"),
        (
            {"environment_variables": ["X=1"]},
            "environment_variables=['X=1'] is invalid: a mapping of strings to strings, not list",
        ),
        (
            {"parameter_store_variables": {"P": None}},
            "parameter_store_variables['P']=None is invalid: a string (write 'None'), not NoneType",
        ),
        (
            {"build_services": "sts"},
            "build_services='sts' is invalid: a list of strings, not one string: write ['sts']",
        ),
        ({"privileged": "false"}, "privileged='false' is invalid: True or False, not str"),
        ({"artifacts": 1}, "artifacts=1 is invalid: True or False, not int"),
        ({"description": 7}, "description=7 is invalid: a string, not int"),
        ({"timeout": 60}, "timeout=60 is invalid: a Duration (e.g. Duration.hours(1)) or None, not int"),
        ({"subnet_type": "PRIVATE_ISOLATED"}, "subnet_type='PRIVATE_ISOLATED' is invalid: an ec2.SubnetType, not str"),
        ({"compute_type": "SMALL"}, "compute_type='SMALL' is invalid: a codebuild.ComputeType, not str"),
        ({"log_retention": 30}, "log_retention=30 is invalid: a logs.RetentionDays, not int"),
        ({"removal_policy": "retain"}, "removal_policy='retain' is invalid: a RemovalPolicy, not str"),
        (
            {"build_image": "aws/codebuild/standard:7.0"},
            "build_image='aws/codebuild/standard:7.0' is invalid: "
            "a codebuild.IBuildImage (LinuxBuildImage...), not str",
        ),
        ({"role": "arn:aws:iam::1:role/x"}, "role='arn:aws:iam::1:role/x' is invalid: an iam.IRole, not str"),
        (
            {"build_spec": 3},
            "build_spec=3 is invalid: a mapping (build spec object) or a file name in the source, not int",
        ),
        (
            {"cache": "local", "local_cache_modes": "SOURCE"},
            "local_cache_modes='SOURCE' is invalid: a list of codebuild.LocalCacheMode members, not str",
        ),
        (
            {"cache": "local", "local_cache_modes": ["SOURCE"]},
            "local_cache_modes[0]='SOURCE' is invalid: a codebuild.LocalCacheMode, not str",
        ),
        ({"vpc": "vpc-123"}, "vpc='vpc-123' is invalid: a buttress.Network or an ec2.IVpc"),
    ],
)
def test_mistyped_props_are_buttress_errors_naming_the_construct(
    errors_stack: Any, props: dict[str, Any], message: str
) -> None:
    stack, network = errors_stack
    given: dict[str, Any] = {"vpc": network, "build_spec": SPEC, "concurrent_build_limit": 2, **props}
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Typed", **given)
    assert str(err.value).startswith(f"Errors/Typed: {message}"), str(err.value)


# --- nothing silently ignored: props that only apply in one mode ---------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"local_cache_modes": [codebuild.LocalCacheMode.SOURCE]},
            "local_cache_modes=['SOURCE'] is invalid: only with cache='local': with cache='none' there is no local "
            "cache for them to configure",
        ),
        (
            {"cache": "s3", "local_cache_modes": [codebuild.LocalCacheMode.SOURCE]},
            "local_cache_modes=['SOURCE'] is invalid: only with cache='local': with cache='s3'",
        ),
        (
            {"build_services": ["sts"]},
            "build_services=['sts'] is invalid: only with subnet_type=PRIVATE_ISOLATED, whose egress check requires "
            "their endpoints: with subnet_type=PRIVATE_WITH_EGRESS",
        ),
        (
            {"cache": "s3", "artifact_expiration": Duration.days(30)},
            "artifact_expiration='30 days' is invalid: only with artifacts=True: with artifacts=False no artifacts "
            "are uploaded for it to expire",
        ),
        ({"artifact_expiration": None}, "artifact_expiration=None is invalid: only with artifacts=True"),
    ],
)
def test_props_without_effect_in_the_chosen_mode_are_errors(
    errors_stack: Any, props: dict[str, Any], message: str
) -> None:
    stack, network = errors_stack
    given: dict[str, Any] = {"vpc": network, "build_spec": SPEC, "concurrent_build_limit": 2, **props}
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Moded", **given)
    assert str(err.value).startswith(f"Errors/Moded: {message}"), str(err.value)


def test_cache_takes_the_enum_too() -> None:
    stack = new_stack("CacheEnum")
    VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, cache=BuildCache.LOCAL
    )
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["Cache"] == {"Type": "LOCAL", "Modes": ["LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"]}


def test_public_methods_check_their_arguments_and_name_the_construct(errors_stack: Any) -> None:
    stack, network = errors_stack
    build = VpcCodeBuild(stack, "Methods", vpc=network, build_spec=SPEC, concurrent_build_limit=2)
    with pytest.raises(ButtressError) as err:
        build.allow_to(build, "5432")  # type: ignore[arg-type]
    assert str(err.value) == "Errors/Methods: port='5432' is invalid: a whole number (int) from 1 to 65535, not str"
    with pytest.raises(ButtressError) as err:
        build.grant_start_build("ci-role")  # type: ignore[arg-type]
    assert str(err.value).startswith("Errors/Methods: grantee='ci-role' is invalid: an iam.IGrantable")
    with pytest.raises(ButtressError, match=r"^Errors/Methods: period=5 is invalid: a Duration"):
        build.metric_failed_builds(period=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        build.metric_failed_builds(Duration.minutes(1))  # type: ignore[call-arg]
    assert build.metric_failed_builds(period=Duration.minutes(1)).period.to_minutes() == 1
