"""The VpcCodeBuild tests' fixtures: one full-featured project, one stack to build failing projects in."""

from __future__ import annotations

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from buttress import Network, VpcCodeBuild
from tests.codebuild.common import SPEC_WITH_ARTIFACTS
from tests.harness import new_stack


@pytest.fixture(scope="module")
def full() -> tuple[Stack, VpcCodeBuild, Template]:
    stack = new_stack("Full")
    network = Network(stack, "Net")
    database = ec2.SecurityGroup(stack, "Database", vpc=network.vpc, allow_all_outbound=False)
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=4,
        artifacts=True,
        cache="s3",
        timeout=Duration.minutes(30),
        environment_variables={"STAGE": "ci"},
        parameter_store_variables={"DB_HOST": "/ci/db/host"},
        secrets_manager_variables={"DB_PASSWORD": "ci/db-password:password"},
    )
    build.allow_to(database, 5432, "integration tests to the database")
    starter = iam.Role(stack, "Starter", assumed_by=iam.AccountRootPrincipal())
    build.grant_start_build(starter)
    return stack, build, Template.from_stack(stack)


@pytest.fixture(scope="module")
def errors_stack() -> tuple[Stack, Network]:
    stack = new_stack("Errors")
    return stack, Network(stack, "Net")
