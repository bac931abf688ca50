"""Customer-managed KMS keys buttress creates: grants limited to AWS services (Control Tower CT.KMS.PR.3)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from buttress.rules import props


def limit_grants_to_aws_services(key: kms.Key) -> None:
    """Deny ``kms:CreateGrant`` on ``key`` unless an AWS service asks, or the grant is for an AWS resource.

    Grants are how a principal hands a key's use on to others outside the key policy; only AWS
    services (EBS, RDS, Lambda...) need them. This is the statement the AWS Control Tower control
    CT.KMS.PR.3 requires, verbatim (it accepts no other form).
    """
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        )
    )


def optional_key(prop: str, value: object) -> kms.IKey | None:
    """``value`` as an optional ``kms.IKey`` (a key built here or imported), else a ``ButtressError``."""
    key: kms.IKey | None = props.interface(
        prop,
        value,
        ("key_arn", "key_id", "add_to_resource_policy"),
        "a kms.IKey (kms.Key or an imported key)",
        optional=True,
    )
    return key
