"""``FanoutTopic`` on a topic it did not create (``existing_topic=``): where it lives, what its owner adds.

The topic, its policy and its key are its owner's; the subscriptions are created in this app. For
a topic in another account, SNS lets the owner of an endpoint subscribe it when the topic's policy
allows that account ``sns:Subscribe`` ("Sending Amazon SNS messages to an Amazon SQS queue in a
different account": https://docs.aws.amazon.com/sns/latest/dg/sns-send-message-to-sqs-cross-account.html;
a queue or function owner's subscription needs no confirmation). Whatever the owner must add (that
statement, a publisher's, a service publisher's key statement) is printed as a
``[buttress:ownerMustAdd]`` info annotation and exported as a stack output, as for another
account's queue (:class:`~buttress.fanout.key_policy.KeyPolicies`).

The account that calls Subscribe owns the subscription (AWS Knowledge Center, "recreate a deleted
cross-account subscription": https://repost.aws/knowledge-center/sns-cross-account-subscription),
so each subscription's dead-letter queue, which must be "under the same AWS account and Region" as
the subscription (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html), can live
in this stack. A cross-Region subscription lives in the topic's Region (AWS::SNS::Subscription
``Region``), where this stack cannot put its dead-letter queue: a topic in another Region is refused.

SNS reports a topic's CloudWatch metrics per topic (dimension ``TopicName``, "Monitoring Amazon SNS
topics using CloudWatch": https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html);
the page does not say in which account, and an account's metrics hold only its own topics, so the
safe reading is the topic owner's: the dashboard names that account, and the alarm on failed
notifications, which would watch a metric this account does not have, is not created here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Annotations, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from buttress.errors import ButtressError
from buttress.fanout.key_policy import KeyPolicies
from buttress.rules.template_metadata import TOPIC_METADATA

#: Warning id: the topic's metrics are in another account, so no failed-notification alarm here.
METRICS_ELSEWHERE_WARNING = "buttress:topicMetricsElsewhere"
#: Warning id: the topic was imported without its key, so publishers get no KMS permission.
KEY_UNKNOWN_WARNING = "buttress:topicKeyUnknown"
#: "Prerequisites for subscribing Firehose delivery streams to Amazon SNS topics": "your AWS account
#: must have" the topic, the stream and the subscription role. No page describes a stream of another
#: account (nor refuses one), so buttress takes the safe reading: one account.
FIREHOSE_PAGE = "https://docs.aws.amazon.com/sns/latest/dg/prereqs-kinesis-data-firehose.html"


@dataclass(frozen=True)
class TopicHome:
    """Where a topic lives, seen from the stack that subscribes to it."""

    #: The topic's account, when synth can tell it is not the stack's.
    other_account: str | None
    #: The topic's Region, when synth can tell it is not the stack's.
    other_region: str | None
    #: Synth cannot tell the topic's account or the stack's (an ARN or an environment known at deploy only).
    account_unknown: bool

    @property
    def maybe_other_account(self) -> bool:
        """The topic may be another account's: its owner must allow this one (topic policy)."""
        return self.other_account is not None or self.account_unknown


def topic_home(stack: Stack, topic: sns.ITopic) -> TopicHome:
    """Where ``topic`` lives, seen from ``stack``.

    A topic created by this app (an ``sns.Topic`` in another stack) shares the stack's account and
    Region: aws-cdk-lib refuses references across environments.
    """
    if isinstance(topic, sns.Topic):
        return TopicHome(other_account=None, other_region=None, account_unknown=False)
    account, region = topic.env.account, topic.env.region
    return TopicHome(
        other_account=_differs(account, stack.account),
        other_region=_differs(region, stack.region),
        account_unknown=Token.is_unresolved(account) or Token.is_unresolved(stack.account),
    )


def _differs(theirs: str, ours: str) -> str | None:
    if Token.is_unresolved(theirs) or Token.is_unresolved(ours) or theirs == ours:
        return None
    return theirs


class ExistingTopic:
    """What subscribing to, and publishing on, a topic this app did not create takes.

    :param scope: the ``FanoutTopic`` (annotations go there).
    :param construct_id: the ``FanoutTopic``'s id, written on each subscription for the routing command.
    :param topic: the existing topic.
    :param key: the key that encrypts it, when known (imported with ``key_arn``).
    :param key_policies: prints the statements the topic's owner must add.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        topic: sns.ITopic,
        key: kms.IKey | None,
        key_policies: KeyPolicies,
    ) -> None:
        self._scope = scope
        self._id = construct_id
        self._topic = topic
        self._key = key
        self._key_policies = key_policies
        self.home = topic_home(Stack.of(scope), topic)

    def subscribed(self, subscriber_id: str, subscription: sns.CfnSubscription) -> None:
        """Tag ``subscription`` for the routing command; print the ``sns:Subscribe`` statement it needs."""
        # No topic resource in this template carries the FanoutTopic's id: its subscriptions do.
        subscription.add_metadata(TOPIC_METADATA, self._id)
        if not self.home.maybe_other_account:
            return
        # The subscription is created by the account of its stack (a queue's stack, when the queue
        # lives in another one), which the topic's owner must allow for this protocol and endpoint
        # (the sns:Protocol and sns:Endpoint condition keys of Subscribe:
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html).
        statement = iam.PolicyStatement(
            sid=f"Subscribe{_sid(subscriber_id)}",
            principals=[iam.AccountPrincipal(Stack.of(subscription).account)],
            actions=["sns:Subscribe"],
            resources=[self._topic.topic_arn],
            conditions={"StringEquals": {"sns:Protocol": subscription.protocol, "sns:Endpoint": subscription.endpoint}},
        )
        self._key_policies.add_topic_statement(statement)

    def check_region(self) -> None:
        """A topic in this stack's Region: a subscription's dead-letter queue must be in the subscription's."""
        region = self.home.other_region
        if region is not None:
            raise ButtressError(
                f"existing_topic is in Region {region}, this stack in {Stack.of(self._scope).region}: a "
                f"subscription to it lives in {region} (AWS::SNS::Subscription Region), and its dead-letter "
                "queue must be in the subscription's account and Region "
                "(https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html); put this FanoutTopic "
                f"in a stack in {region} (its queues may be subscribed from there)"
            )

    def check_firehose(self, method: str) -> None:
        """A Firehose stream subscribes only to a topic of its own account (:data:`FIREHOSE_PAGE`)."""
        if self.home.other_account is not None:
            raise ButtressError(
                f"{method} is invalid on existing_topic in account {self.home.other_account}: SNS documents "
                f"Firehose subscriptions with the topic, the stream and the subscription role in one account "
                f"({FIREHOSE_PAGE}); subscribe a queue here and forward from it, or subscribe the stream from "
                "the topic's account"
            )

    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """``sns:Publish`` for ``grantee``, with the topic (and key) policy statements another account must add."""
        principal = grantee.grant_principal
        self._grant_key(grantee)
        if not self.home.maybe_other_account:
            return iam.Grant.add_to_principal_or_resource(
                grantee=grantee, actions=["sns:Publish"], resource_arns=[self._topic.topic_arn], resource=self._topic
            )
        arn = self._topic.topic_arn
        grant = iam.Grant.add_to_principal(grantee=grantee, actions=["sns:Publish"], resource_arns=[arn])
        statement = iam.PolicyStatement(principals=[principal], actions=["sns:Publish"], resources=[arn])
        self._key_policies.add_topic_statement(statement)
        return grant

    def _grant_key(self, grantee: iam.IGrantable) -> None:
        """The two key actions SNS needs from a publisher, on the topic's key when it is known."""
        actions = ["kms:GenerateDataKey", "kms:Decrypt"]
        if self._key is None:
            self.warn_key_unknown("grant_publish")
            return
        self._key.grant(grantee, *actions)
        if self.home.maybe_other_account:
            statement = iam.PolicyStatement(principals=[grantee.grant_principal], actions=actions, resources=["*"])
            self._key_policies.owner_must_add("key policy", f"the key {self._key.key_arn}", statement)

    def warn_key_unknown(self, method: str) -> None:
        """Say that ``method`` could not give KMS permissions: the topic was imported without its key."""
        Annotations.of(self._scope).add_warning_v2(
            KEY_UNKNOWN_WARNING,
            f"{method}: existing_topic was imported without its key, so no KMS permission was given. If the "
            "topic is encrypted with a customer-managed key, import it with "
            "sns.Topic.from_topic_attributes(..., key_arn=...) (publishers need kms:GenerateDataKey and "
            "kms:Decrypt on it: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html); an "
            "unencrypted topic, or one with the AWS managed key, needs none",
        )

    def warn_metrics_elsewhere(self) -> None:
        """Say why the topic has no failed-notification alarm here although it has an alarm action."""
        Annotations.of(self._scope).add_warning_v2(
            METRICS_ELSEWHERE_WARNING,
            f"existing_topic is in account {self.home.other_account}, whose CloudWatch holds its metrics: the "
            "alarm on NumberOfNotificationsFailed belongs there (one here would watch a metric this account "
            "does not have). The dead-letter queues' alarms are here, and the dashboard names the topic's account",
        )


def _sid(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", name)
