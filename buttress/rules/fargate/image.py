"""Container image references: the Docker reference format ECS passes to the registry.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import re

from buttress.errors import invalid

# The distribution reference grammar (github.com/distribution/reference, reference.go), which the
# ECS container definition's ``image`` follows ("repository-url/image:tag", up to 255 letters,
# numbers, hyphens, underscores, periods, colons, slashes and @ signs):
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_image
# and ECR repository names: lower case, 2-256 characters
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)"
_REFERENCE = re.compile(
    rf"^(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{{32,}})?$"
)
MAX_IMAGE_LENGTH = 255


def check_image_reference(prop: str, value: str) -> str:
    """A registry image reference ECS can pull: lower-case repository path, no spaces, optional tag and digest."""
    if "${Token[" in value:
        return value  # known at deploy time only (an ECR repository URI): not checked
    if len(value) > MAX_IMAGE_LENGTH or not _REFERENCE.match(value):
        raise invalid(
            prop,
            value,
            "an image reference such as public.ecr.aws/nginx/nginx:stable: an optional registry host, a "
            "repository path in lower case (letters, digits, '.', '_', '-' between them; no spaces), an "
            f"optional :tag and @digest, at most {MAX_IMAGE_LENGTH} characters (the Docker reference format "
            "ECS uses: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html)",
        )
    return value
