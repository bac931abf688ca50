"""Log groups buttress creates: retention, removal policy and an optional customer-managed key.

Without ``key``, CloudWatch Logs encrypts the group with its own service-managed keys; the
rules that ask for a KMS key (NIST/HIPAA/PCI CloudWatchLogGroupEncrypted, Control Tower
CT.CLOUDWATCH.PR.3) are acknowledged on this log group with that reason. With ``key``, the key
policy lets CloudWatch Logs of this account and region use it for log groups of this account only.
A retention under one year (Control Tower CT.CLOUDWATCH.PR.2) is the user's documented choice
(``log_retention``) and is acknowledged naming that prop.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.parts.nag import acknowledge_rule


def log_group(
    scope: Construct,
    id_: str,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    key: kms.IKey | None = None,
    retention_prop: str = "log_retention",
    log_group_name: str | None = None,
) -> logs.LogGroup:
    """A log group with ``retention``, ``removal_policy`` and, when given, ``key``; acknowledgements as above.

    :param retention_prop: the construct prop that sets ``retention``, named in the acknowledgement.
    """
    group = logs.LogGroup(
        scope,
        id_,
        retention=retention,
        removal_policy=removal_policy,
        encryption_key=key,
        log_group_name=log_group_name,
    )
    if key is None:
        acknowledge_rule(
            group,
            "CloudWatchLogGroupEncrypted",
            "CloudWatch Logs encrypts every log group at rest with service-managed keys; a customer-managed "
            "key (the construct's log_key prop, $1/month per key plus requests) adds key-policy control and "
            "revocation, which this deployment did not ask for.",
            guard=["cloudwatch_log_group_encrypted_check"],
        )
    else:
        allow_log_delivery(key)
    acknowledge_short_retention(group, retention, retention_prop)
    return group


def acknowledge_short_retention(group: logs.ILogGroup, retention: logs.RetentionDays, prop: str) -> None:
    """Acknowledge Control Tower's one-year minimum on ``group`` when ``retention`` (set by ``prop``) is shorter."""
    if retention.name in _UNDER_A_YEAR:
        acknowledge_rule(
            group,
            "",
            f"Retention is the user's choice ({prop}={retention.name}), kept short where the logs are "
            "operational and their volume makes a year costly; set ONE_YEAR or longer where the audit policy "
            "asks for it.",
            guard=["cloudwatch_log_group_retention_period_check"],
        )


def allow_log_delivery(key: kms.IKey) -> None:
    """Let CloudWatch Logs of this region use ``key`` for the account's log groups (no-op on imported keys)."""
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogs",
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )


#: Retention settings under a year (RetentionDays values are names, not numbers of days).
_UNDER_A_YEAR = frozenset(
    {
        "ONE_DAY",
        "THREE_DAYS",
        "FIVE_DAYS",
        "ONE_WEEK",
        "TWO_WEEKS",
        "ONE_MONTH",
        "TWO_MONTHS",
        "THREE_MONTHS",
        "FOUR_MONTHS",
        "FIVE_MONTHS",
        "SIX_MONTHS",
    }
)
