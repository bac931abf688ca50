"""VpcCodeBuild under cdk-nag: acknowledgements cover only the construct's own grants."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam

from buttress import Network, VpcCodeBuild
from tests.codebuild.common import (
    SPEC,
    SPEC_WITH_ARTIFACTS,
)


def test_nag_acknowledgements_cover_only_the_constructs_own_grants() -> None:
    """With own and imported roles, cdk-nag reports exactly one finding: a wildcard the user added."""
    from aws_cdk import App, Validations
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Nag")
    network = Network(stack, "Net")
    own = VpcCodeBuild(
        stack,
        "Own",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=2,
        artifacts=True,
        cache="s3",
        parameter_store_variables={"P": "/ci/p"},
        secrets_manager_variables={"S": "ci/s"},
    )
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/ci")
    VpcCodeBuild(stack, "WithImportedRole", vpc=network, build_spec=SPEC, concurrent_build_limit=2, role=imported)
    own.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed") as err:
        app.synth()
    report = str(err.value)
    findings = [line for line in report.splitlines() if "Acknowledge with" in line]
    assert findings == ["   Acknowledge with 'AwsSolutions::AwsSolutions-IAM5[Resource::*]'"], report
    assert "Nag/Own/Project/Role/DefaultPolicy/Resource" in report


@pytest.mark.parametrize("env", [None, ("111122223333", "eu-west-1")], ids=["env-agnostic", "explicit-env"])
def test_nag_clean_with_and_without_an_explicit_environment(env: tuple[str, str] | None) -> None:
    """The acknowledgements are rendered from the policies' own ARN tokens, so they match in both (every pack)."""
    from aws_cdk import App, Environment, Validations

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from buttress.compliance import plugins

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "S", env=Environment(account=env[0], region=env[1]) if env else None)
    network = Network(stack, "Net", interface_endpoints=["logs", "ssm", "secretsmanager"])
    VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=2,
        artifacts=True,
        cache="s3",
        parameter_store_variables={"P": "/ci/p"},
        secrets_manager_variables={"S": "ci/s"},
    )
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::111122223333:role/ci")
    VpcCodeBuild(
        stack,
        "Isolated",
        vpc=network,
        build_spec=SPEC,
        concurrent_build_limit=2,
        role=imported,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
    )
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding
