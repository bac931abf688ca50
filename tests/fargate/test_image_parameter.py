"""Images pushed by CI (issue 26 item 2): the tag comes from an SSM parameter CloudFormation reads on every deploy."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_certificatemanager as acm

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import AlbFargateService, ButtressError, Network, compliance
from buttress.rules.fargate.image_parameter import check_image_parameter
from tests.fargate.helpers import IMAGE
from tests.harness import resources_of_type

ENV = Environment(account="111122223333", region="eu-west-1")
REPOSITORY = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/web"
CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/abcd-1234"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Ci", env=ENV)
    AlbFargateService(
        stack,
        "Web",
        vpc=Network(stack, "Network", nat_gateways=1, isolated_subnet_mask=None),
        image=REPOSITORY,
        image_tag_parameter="/web/image-tag",
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
    )
    Validations.of(app).add_plugins(*compliance.plugins(app))
    result: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return result


def test_the_task_definition_reads_the_tag_from_an_ssm_typed_parameter(template: dict[str, Any]) -> None:
    parameters = {k: v for k, v in template["Parameters"].items() if v.get("Default") == "/web/image-tag"}
    ((name, parameter),) = parameters.items()
    # CloudFormation resolves an SSM-typed parameter again on every stack update: cdk deploy keeps CI's tag.
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    (definition,) = resources_of_type(template, "AWS::ECS::TaskDefinition").values()
    image = definition["Properties"]["ContainerDefinitions"][0]["Image"]
    assert {"Ref": name} in image["Fn::Join"][1]
    assert "{{resolve:ssm" not in str(image)


def test_the_execution_role_may_pull_from_the_ecr_repository(template: dict[str, Any]) -> None:
    statements = [
        s
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:BatchGetImage" in s["Action"]
    ]
    assert len(statements) == 1
    assert "repository/web" in str(statements[0]["Resource"])


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"parameter_name": "web tag", "image": REPOSITORY}, "image_tag_parameter"),
        ({"parameter_name": "/aws/web", "image": REPOSITORY}, "aws or ssm"),
        ({"parameter_name": "/web/tag", "image": f"{REPOSITORY}:v1"}, "without tag"),
        ({"parameter_name": "/web/tag", "image": f"{REPOSITORY}@sha256:ab"}, "without tag"),
        ({"parameter_name": "/web/tag", "image": None, "docker_directory": "app"}, "not docker_directory"),
    ],
)
def test_image_parameter_rules(props: dict[str, Any], match: str) -> None:
    with pytest.raises(ButtressError, match=match):
        check_image_parameter(**{"docker_directory": None, **props})


def test_a_registry_without_ecr_gets_no_grant() -> None:
    spec = check_image_parameter(parameter_name="/web/tag", image="ghcr.io/acme/web", docker_directory=None)
    assert spec.ecr is None and spec.repository == "ghcr.io/acme/web"
    assert check_image_parameter(parameter_name="/web/tag", image=REPOSITORY, docker_directory=None).ecr == (
        "111122223333",
        "eu-west-1",
        "web",
    )
    assert IMAGE  # the fixed image stays the default path
