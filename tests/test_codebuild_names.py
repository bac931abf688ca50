"""Names and references VpcCodeBuild passes to CodeBuild: AWS's limits at synth, naming construct, prop and value."""

from __future__ import annotations

from typing import Any

import pytest

from buttress import ButtressError
from tests.codebuild.common import build_in
from tests.harness import new_stack

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ci/db-AbCdEf"
PARAMETER_ARN = "arn:aws:ssm:eu-west-1:111122223333:parameter/ci/db/host"


@pytest.fixture(scope="module")
def errors_stack() -> Any:
    from buttress import Network

    stack = new_stack("Names")
    return stack, Network(stack, "Net")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"description": "x" * 256}, r"description='x+' is invalid: at most 255 characters"),
        (
            {"parameter_store_variables": {"DB": SECRET_ARN}},
            r"parameter_store_variables=\{'DB': 'arn:aws:secretsmanager:.*a Secrets Manager secret goes in "
            r"secrets_manager_variables",
        ),
        (
            {"secrets_manager_variables": {"DB": PARAMETER_ARN}},
            r"secrets_manager_variables=\{'DB': 'arn:aws:ssm:.*a Parameter Store parameter goes in "
            r"parameter_store_variables",
        ),
        (
            {"secrets_manager_variables": {"DB": "arn:aws:s3:::bucket/key:x:y"}},
            r"secrets_manager_variables=.*an ARN of 's3' is not a secret",
        ),
    ],
)
def test_mistakes_name_the_construct_prop_and_rule(errors_stack: Any, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=rf"^Names/Build\d+: {message}"):
        build_in(errors_stack, **props)


def test_a_255_character_description_and_secret_arns_are_accepted(errors_stack: Any) -> None:
    build_in(
        errors_stack,
        description="x" * 255,
        secrets_manager_variables={"DB": f"{SECRET_ARN}:password"},
        parameter_store_variables={"REF": "/aws/reference/secretsmanager/ci/db"},
    )
