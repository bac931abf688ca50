"""The example stacks' operator topic: where every alarm of a stack goes (an e-mail subscription)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from constructs import Construct

from buttress.parts import nag
from buttress.parts.keys import limit_grants_to_aws_services

#: Context key of the operators' e-mail address; the default is a placeholder (.invalid never resolves).
OPERATOR_EMAIL_CONTEXT = "operator_email"
OPERATOR_EMAIL_PLACEHOLDER = "operators@example.invalid"


class OperatorTopic(Construct):
    """An encrypted, TLS-only SNS topic CloudWatch alarms of this stack publish to, e-mailing the operators.

    A plain topic, not a ``FanoutTopic``: a FanoutTopic's own alarms would have to notify the topic
    that failed. ``key`` is the stack's key (shared with the stack's ``FanoutTopic``, ``key=``).
    """

    def __init__(self, scope: Construct, id_: str, *, key: kms.Key) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        email = self.node.try_get_context(OPERATOR_EMAIL_CONTEXT) or OPERATOR_EMAIL_PLACEHOLDER
        self.topic = sns.Topic(
            self, "Topic", display_name=f"{stack.stack_name} operators", master_key=key, enforce_ssl=True
        )
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        # Only this account's alarms may publish (no confused deputy), and use the key to do so.
        alarms = {"ArnLike": {"aws:SourceArn": stack.format_arn(service="cloudwatch", resource="alarm:*")}}
        alarms_here = {**alarms, "StringEquals": {"aws:SourceAccount": stack.account}}
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=alarms_here,
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=alarms_here,
            )
        )
        subscription = self.topic.add_subscription(subs.EmailSubscription(email))
        nag.acknowledge_rule(
            subscription,
            "SNSRedrivePolicy",
            "The operators' e-mail subscription of alarm notifications: an alarm that cannot be e-mailed stays "
            "in ALARM in CloudWatch, which is the record; a dead-letter queue of alarm e-mails would itself need "
            "an alarm that reaches someone.",
        )
        self.alarm_action = cw_actions.SnsAction(self.topic)


def stack_key(scope: Construct) -> kms.Key:
    """One customer-managed key per example stack: its FanoutTopic, queues and operator topic."""
    key = kms.Key(
        scope,
        "StackKey",
        description=f"{Stack.of(scope).stack_name}: SNS topics and SQS queues",
        enable_key_rotation=True,
    )
    limit_grants_to_aws_services(key)
    return key
