"""Images pushed by CI (``image_tag_parameter``): the task definition reads the main image's tag from an SSM
parameter through a CloudFormation parameter of type ``AWS::SSM::Parameter::Value<String>``, so CI moves the
tag and ``cdk deploy`` keeps it (why not a dynamic reference: ``buttress.rules.fargate.image_parameter``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from buttress.parts import nag
from buttress.rules.fargate.image_parameter import ImageParameterSpec, check_image_parameter

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked
    from buttress.fargate.props import AlbFargateServiceProps


def check(props: AlbFargateServiceProps) -> ImageParameterSpec | None:
    """``image_tag_parameter`` and ``image`` checked together; ``None`` when the image is fixed in the template."""
    if props.image_tag_parameter is None:
        return None
    return check_image_parameter(
        parameter_name=props.image_tag_parameter, image=props.image, docker_directory=props.docker_directory
    )


def resolve(scope: Construct, checked: Checked) -> Checked:
    """``checked`` with the main image reading the parameter, when ``image_tag_parameter`` is given."""
    spec = checked.image_parameter
    return checked if spec is None else replace(checked, image=image(scope, spec))


def image(scope: Construct, spec: ImageParameterSpec) -> ecs.ContainerImage:
    """``<repository>:<tag in the parameter>``; an ECR repository also gets the execution role's pull grant."""
    tag = ssm.StringParameter.value_for_string_parameter(scope, spec.parameter_name)
    if spec.ecr is None:
        return ecs.ContainerImage.from_registry(f"{spec.repository}:{tag}")
    account, region, name = spec.ecr
    repository = ecr.Repository.from_repository_attributes(
        scope,
        "ImageRepository",
        repository_name=name,
        repository_arn=Stack.of(scope).format_arn(
            service="ecr", account=account, region=region, resource="repository", resource_name=name
        ),
    )
    return ecs.ContainerImage.from_ecr_repository(repository, tag=tag)


def acknowledge_pull(definition: ecs.FargateTaskDefinition, checked: Checked) -> None:
    """IAM5 on the execution role for ``ecr:GetAuthorizationToken``'s '*', with an ECR repository only.

    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
    """
    spec = checked.image_parameter
    if spec is None or spec.ecr is None or definition.execution_role is None:
        return
    nag.acknowledge_wildcards(
        definition.execution_role,
        resources={
            "*": "ecr:GetAuthorizationToken has no resource type, it accepts only '*'; "
            "the image pull actions are on the one repository."
        },
    )
