"""VpcCodeBuild defaults, isolated subnets, sources, an imported role, privileged builds."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from buttress import ButtressError, Network, VpcCodeBuild
from tests.codebuild.common import (
    SPEC,
    build_in,
    only_policy,
    project_of,
)
from tests.harness import new_stack


def test_defaults_need_no_bucket_and_warn_what_the_subnets_hold() -> None:
    stack = new_stack("Defaults")
    build = VpcCodeBuild(stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC)
    template = Template.from_stack(stack)
    props = project_of(template)["Properties"]
    assert "ConcurrentBuildLimit" not in props
    assert props["TimeoutInMinutes"] == 60
    assert props["Artifacts"] == {"Type": "NO_ARTIFACTS"}
    assert props["Cache"] == {"Type": "NO_CACHE"}
    assert build.bucket is None
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})
    Annotations.from_stack(stack).has_warning(
        "/Defaults/Build",
        Match.string_like_regexp(
            r"no concurrent_build_limit: the selected subnets "
            r"\(10\.0\.16\.0/20: 4091, 10\.0\.32\.0/20: 4091\) hold 8182"
        ),
    )


def test_isolated_project_with_codecommit_source_and_the_endpoints_it_needs() -> None:
    stack = new_stack("Isolated")
    network = Network(stack, "Net", interface_endpoints=["logs", "git-codecommit"])
    repo = codecommit.Repository.from_repository_name(stack, "Repo", "app")
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        source=codebuild.Source.code_commit(repository=repo),
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        concurrent_build_limit=10,
        cache="local",
    )
    template = Template.from_stack(stack)
    props = project_of(template)["Properties"]
    isolated = network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids
    assert props["VpcConfig"]["Subnets"] == [stack.resolve(s) for s in isolated]
    assert props["Source"]["Type"] == "CODECOMMIT"
    assert props["Source"]["BuildSpec"] == "buildspec.yml"
    assert props["Cache"] == {"Type": "LOCAL", "Modes": ["LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"]}
    assert build.bucket is None


def test_github_and_s3_sources_read_the_build_spec_file_from_the_source() -> None:
    stack = new_stack("Sources")
    network = Network(stack, "Net")
    bucket = s3.Bucket.from_bucket_name(stack, "Sources", "sources")
    sources = {
        "GitHub": codebuild.Source.git_hub(owner="example", repo="app", webhook=False),
        "S3": codebuild.Source.s3(bucket=bucket, path="app.zip"),
    }
    for name, source in sources.items():
        VpcCodeBuild(stack, name, vpc=network, source=source, build_spec="ci/spec.yml", concurrent_build_limit=2)
    projects = Template.from_stack(stack).find_resources("AWS::CodeBuild::Project")
    assert sorted(
        (p["Properties"]["Source"]["Type"], p["Properties"]["Source"]["BuildSpec"]) for p in projects.values()
    ) == [
        ("GITHUB", "ci/spec.yml"),
        ("S3", "ci/spec.yml"),
    ]


def test_github_source_cannot_build_in_isolated_subnets(errors_stack: Any) -> None:
    with pytest.raises(ButtressError, match="the GITHUB source can only be reached over the internet"):
        build_in(
            errors_stack,
            source=codebuild.Source.git_hub(owner="example", repo="app", webhook=False),
            subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        )


def test_imported_mutable_role_gets_the_eni_policy_before_the_project() -> None:
    stack = new_stack("Imported")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/ci-builds")
    VpcCodeBuild(stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, role=role)
    template = Template.from_stack(stack)
    policy_id, policy = only_policy(template, "VpcPolicy")
    assert policy["Properties"]["Roles"] == ["ci-builds"]
    assert policy_id in project_of(template)["DependsOn"]
    assert project_of(template)["Properties"]["ServiceRole"] == "arn:aws:iam::123456789012:role/ci-builds"
    template.resource_count_is("AWS::IAM::Role", 2)  # the Network's flow-log and custom-resource roles
    assert "codebuild" not in str(template.find_resources("AWS::IAM::Role"))


def test_privileged_only_on_request_and_docker_layer_cache() -> None:
    stack = new_stack("Privileged")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC,
        concurrent_build_limit=2,
        privileged=True,
        cache="local",
        local_cache_modes=[codebuild.LocalCacheMode.DOCKER_LAYER],
        compute_type=codebuild.ComputeType.MEDIUM,
    )
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["Environment"]["PrivilegedMode"] is True
    assert props["Environment"]["ComputeType"] == "BUILD_GENERAL1_MEDIUM"
    assert props["Cache"]["Modes"] == ["LOCAL_DOCKER_LAYER_CACHE"]
