"""The props of ``FanoutTopic`` and of its ``add_*`` methods: one frozen dataclass each.

Each is built in exactly one place, an explicit call in the method whose keyword arguments it
holds (``FanoutTopicProps(topic_name=topic_name, ...)`` in ``FanoutTopic.__init__``); a test keeps
the fields and the keyword parameters in agreement (tests/fanout/test_props.py). The values are
as given: :func:`check_topic_props` checks a topic's, the subscriber builders check theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from buttress.network import Network, VpcInput, vpc_input
from buttress.options import DeadLetterQueue, FilterScope
from buttress.rules import props
from buttress.rules.fanout import CFN_RESOURCE_LIMIT, TopicProps, check_existing_topic, check_topic


@dataclass(frozen=True)
class FanoutTopicProps:
    """The keyword arguments of :class:`~buttress.FanoutTopic`, as given (documented there)."""

    topic_name: str | None = None
    display_name: str | None = None
    fifo: bool = False
    content_based_deduplication: bool = False
    service_publishers: Sequence[str] = ()
    alarm_action: cloudwatch.IAlarmAction | None = None
    vpc: Network | ec2.IVpc | None = None
    key: kms.IKey | None = None
    delivery_status_logging: Mapping[str, int] | None = None
    archive_retention_days: int | None = None
    dashboard: bool = True
    dashboard_name: str | None = None
    resource_limit: int = CFN_RESOURCE_LIMIT
    existing_topic: sns.ITopic | None = None
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


@dataclass(frozen=True)
class CheckedTopicProps:
    """:class:`FanoutTopicProps` after :func:`check_topic_props`: each value in its checked type."""

    #: The props the pure rules check (:func:`buttress.rules.fanout.check_topic`).
    rules: TopicProps
    alarm_action: cloudwatch.IAlarmAction | None
    #: The key given to share (``None``: the topic creates its own keys).
    key: kms.IKey | None
    vpc: VpcInput | None
    #: The topic given to subscribe to (``None``: the construct creates its topic).
    existing_topic: sns.ITopic | None = None
    #: Of the keys the construct creates.
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN


def check_topic_props(given: FanoutTopicProps) -> CheckedTopicProps:
    """Check every topic prop, the plain ones in :mod:`buttress.rules.fanout`, the CDK-typed ones here."""
    name = given.topic_name
    existing = props.interface(
        "existing_topic",
        given.existing_topic,
        ["topic_arn", "add_subscription"],
        "an sns.ITopic (e.g. sns.Topic.from_topic_arn(...) or from_topic_attributes(..., key_arn=...))",
        optional=True,
    )
    fifo = given.fifo
    if existing is not None:
        owners = {
            "topic_name": given.topic_name,
            "display_name": given.display_name,
            # False is the default (not given); anything else is a value for the owner's topic
            "content_based_deduplication": None
            if given.content_based_deduplication is False
            else given.content_based_deduplication,
            "delivery_status_logging": given.delivery_status_logging,
            "archive_retention_days": given.archive_retention_days,
        }
        arn_known = not Token.is_unresolved(existing.topic_arn)
        fifo = check_existing_topic(owners, fifo=given.fifo, topic_fifo=bool(existing.fifo), arn_known=arn_known)
    rules = check_topic(
        topic_name=name,
        display_name=given.display_name,
        fifo=fifo,
        content_based_deduplication=given.content_based_deduplication,
        service_publishers=given.service_publishers,
        dashboard_name=given.dashboard_name,
        resource_limit=given.resource_limit,
        dashboard=given.dashboard,
        delivery_status_logging=given.delivery_status_logging,
        archive_retention_days=given.archive_retention_days,
        is_token=isinstance(name, str) and Token.is_unresolved(name),
        dashboard_is_token=isinstance(given.dashboard_name, str) and Token.is_unresolved(given.dashboard_name),
    )
    alarm_action = props.interface(
        "alarm_action",
        given.alarm_action,
        ["bind"],
        "a cloudwatch.IAlarmAction (e.g. cloudwatch_actions.SnsAction)",
        optional=True,
    )
    key = props.interface(
        "key", given.key, ["key_arn", "add_to_resource_policy"], "a kms.IKey (e.g. kms.Key(...))", optional=True
    )
    vpc = vpc_input("vpc", given.vpc) if given.vpc is not None else None
    removal = props.instance("removal_policy", given.removal_policy, RemovalPolicy, "a RemovalPolicy")
    return CheckedTopicProps(
        rules=rules, alarm_action=alarm_action, key=key, vpc=vpc, existing_topic=existing, removal_policy=removal
    )


@dataclass(frozen=True)
class QueueSubscriberProps:
    """The arguments of :meth:`FanoutTopic.add_queue` after its id, as given (documented there)."""

    queue: sqs.IQueue | None = None
    filter_policy: Mapping[str, Any] | None = None
    filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES
    raw_message_delivery: bool = True
    dead_letter_queue: DeadLetterQueue | str | sqs.IQueue | None = None
    max_receive_count: int | None = None
    queue_name: str | None = None
    visibility_timeout: Duration | None = None


@dataclass(frozen=True)
class FunctionSubscriberProps:
    """The arguments of :meth:`FanoutTopic.add_function` after its id, as given."""

    function: lambda_.IFunction
    filter_policy: Mapping[str, Any] | None = None
    filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES


@dataclass(frozen=True)
class HttpsSubscriberProps:
    """The arguments of :meth:`FanoutTopic.add_https_endpoint` after its id, as given."""

    url: str
    delivery_policy: Mapping[str, Any] | None = None
    filter_policy: Mapping[str, Any] | None = None
    filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES
    raw_message_delivery: bool = False


@dataclass(frozen=True)
class FirehoseSubscriberProps:
    """The arguments of :meth:`FanoutTopic.add_firehose` after its id, as given."""

    delivery_stream: firehose.IDeliveryStream
    filter_policy: Mapping[str, Any] | None = None
    filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES
    raw_message_delivery: bool = False


@dataclass(frozen=True)
class EmailSubscriberProps:
    """The arguments of :meth:`FanoutTopic.add_email` after its id, as given."""

    address: str
    filter_policy: Mapping[str, Any] | None = None
    filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES
    json_format: bool = False
