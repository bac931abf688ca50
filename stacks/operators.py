"""The operators' alarm topic of the example stacks: every alarm a construct creates notifies it."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from buttress.parts.keys import limit_grants_to_aws_services


def operator_alarm_action(scope: Construct, id_: str = "Operators") -> cloudwatch.IAlarmAction:
    """An SNS topic for the operators (own KMS key, TLS only) that CloudWatch alarms of this account may publish to.

    Subscribe the on-call e-mail or chat integration to it after deploying.
    """
    key = kms.Key(scope, f"{id_}Key", description=f"{id_} alarm topic", enable_key_rotation=True)
    limit_grants_to_aws_services(key)
    same_account = {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchAlarmsEncryptForTheTopic",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions=same_account,
        )
    )
    topic = sns.Topic(scope, id_, master_key=key, enforce_ssl=True, display_name=f"{id_} alarms")
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchAlarmsOfThisAccount",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions=same_account,
        )
    )
    return cloudwatch_actions.SnsAction(topic)
