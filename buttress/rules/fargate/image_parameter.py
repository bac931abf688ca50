"""Images pushed by CI: the main image's tag read from an SSM parameter CI updates (``image_tag_parameter``).

Pure rules, no CDK import; each raises ``invalid(prop, value, allowed)``.

Why a CloudFormation parameter of type ``AWS::SSM::Parameter::Value<String>`` and not a
``{{resolve:ssm:...}}`` dynamic reference: CloudFormation fetches an SSM-typed parameter's value on every
stack update and updates what uses it when it changed
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html),
so the next ``cdk deploy`` keeps the tag CI wrote. A dynamic reference is not re-read while the template text
is unchanged ("CloudFormation doesn't currently support drift detection on dynamic references ... perform a
stack update ... to fetch the latest parameter version":
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html), so the task
definition would keep the image of the last template change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buttress.errors import invalid

# Parameter names: letters, digits, _ . - and /; a hierarchy starts with '/'; not beginning with aws or ssm;
# at most 1011 characters: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
_PARAMETER_NAME = re.compile(r"^/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
MAX_PARAMETER_NAME = 1011
# An ECR repository URI: account, region, (China partition), repository name.
_ECR = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+)$")


@dataclass(frozen=True)
class ImageParameterSpec:
    """The repository (a registry name without tag) and the SSM parameter holding the tag CI deployed."""

    repository: str
    parameter_name: str
    #: With an ECR repository URI: (account, region, repository name), for the execution role's pull grant.
    ecr: tuple[str, str, str] | None


def check_image_parameter(*, parameter_name: object, image: object, docker_directory: object) -> ImageParameterSpec:
    """``image_tag_parameter`` names an SSM parameter; ``image`` is then a repository without tag or digest."""
    if not isinstance(parameter_name, str) or not _PARAMETER_NAME.match(parameter_name):
        raise invalid(
            "image_tag_parameter",
            parameter_name,
            "an SSM parameter name such as /web/image-tag (letters, digits, _ . - and /)",
        )
    bare = parameter_name.lstrip("/").lower()
    if len(parameter_name) > MAX_PARAMETER_NAME or bare.startswith(("aws", "ssm")):
        raise invalid(
            "image_tag_parameter",
            parameter_name,
            f"at most {MAX_PARAMETER_NAME} characters, not beginning with aws or ssm (SSM's name constraints)",
        )
    if docker_directory is not None or not isinstance(image, str):
        raise invalid(
            "image",
            image,
            "with image_tag_parameter, the repository as a registry name without tag "
            "(111122223333.dkr.ecr.eu-west-1.amazonaws.com/web), not docker_directory or an ecs.ContainerImage",
        )
    last = image.rsplit("/", 1)[-1]
    if "@" in image or ":" in last:
        raise invalid(
            "image", image, "with image_tag_parameter, a repository without tag or digest (the parameter holds the tag)"
        )
    found = _ECR.match(image)
    return ImageParameterSpec(image, parameter_name, found.groups() if found else None)  # type: ignore[arg-type]
