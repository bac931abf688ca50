"""Names and references ``VpcCodeBuild`` passes through to CodeBuild, checked against AWS's limits.

Pure rules (no CDK import); each cites the page that states the limit.
"""

from __future__ import annotations

from buttress.errors import invalid
from buttress.rules import props

__all__ = ["MAX_DESCRIPTION", "check_description", "check_variable_source"]

#: CreateProject ``description``: "Length Constraints: Minimum length of 0. Maximum length of 255."
#: https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html
MAX_DESCRIPTION = 255


def check_description(description: object) -> str | None:
    """The project description: a string of at most 255 characters, or ``None``."""
    if description is None:
        return None
    text = props.string("description", description)
    if len(text) > MAX_DESCRIPTION:
        raise invalid("description", text, f"at most {MAX_DESCRIPTION} characters (CodeBuild CreateProject)")
    return text


def check_variable_source(prop: str, name: str, value: str, *, kind: str) -> None:
    """A parameter where a parameter goes, a secret where a secret goes (``kind``: the variable type).

    CodeBuild resolves ``PARAMETER_STORE`` values with SSM GetParameters (a name) and
    ``SECRETS_MANAGER`` values with Secrets Manager (``secret-id:json-key:version-stage:version-id``,
    the id a name or ARN): the other service's reference fails the build at run time.
    https://docs.aws.amazon.com/codebuild/latest/APIReference/API_EnvironmentVariable.html
    """
    service = value.split(":")[2] if value.startswith("arn:") and value.count(":") >= 5 else None
    if kind == "PARAMETER_STORE" and (service == "secretsmanager" or value.startswith("secretsmanager:")):
        raise invalid(
            prop,
            {name: value},
            "a Parameter Store parameter name such as '/ci/db/host'; a Secrets Manager secret goes in "
            "secrets_manager_variables (or reference it as '/aws/reference/secretsmanager/<secret name>')",
        )
    if kind == "SECRETS_MANAGER" and service is not None and service != "secretsmanager":
        raise invalid(
            prop,
            {name: value},
            "a Secrets Manager secret name or ARN (arn:<partition>:secretsmanager:...); "
            + (
                "a Parameter Store parameter goes in parameter_store_variables, by name"
                if service == "ssm"
                else f"an ARN of {service!r} is not a secret"
            ),
        )
