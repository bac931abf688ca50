"""Synth-time rules of ``FanoutTopic``, kept free of CDK so they are tested without synthesizing.

Every prop is type-checked here (through :mod:`buttress.rules.props`) before it is compared or
handed to jsii; a prop with no effect in the chosen mode is refused with the mode named. Errors
are :func:`~buttress.errors.invalid` errors; the construct's ``@reports_errors`` adds its path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buttress.errors import ButtressError, invalid
from buttress.options import DeadLetterQueue, FilterScope
from buttress.rules import props
from buttress.rules.delivery_policy import DeliveryPolicyError, validate_delivery_policy
from buttress.rules.filter_policy import FilterPolicyError, validate

#: CloudFormation's limit of resources per stack.
CFN_RESOURCE_LIMIT = 500

#: The six SNS topic metrics that show filtering and delivery (SNS Developer Guide, "Amazon SNS
#: message filtering metrics" and "Monitoring Amazon SNS topics using CloudWatch").
FILTERING_METRICS = (
    "NumberOfMessagesPublished",
    "NumberOfNotificationsDelivered",
    "NumberOfNotificationsFilteredOut",
    "NumberOfNotificationsFilteredOut-NoMessageAttributes",
    "NumberOfNotificationsFilteredOut-InvalidAttributes",
    "NumberOfNotificationsFailed",
)

#: Resources each kind of subscriber adds to the topic's stack (the 500-resource guard's estimate).
RESOURCES_PER_SUBSCRIBER: Mapping[str, int] = {
    "queue": 3,  # queue, its queue policy (TLS-only + SNS), subscription
    "queue_own_dlq": 3,  # + dead-letter queue, its queue policy, its alarm
    "existing_queue": 2,  # subscription, queue policy (when the queue lives in this stack)
    "function": 2,  # subscription, Lambda permission
    "https": 1,
    "email": 1,
    "firehose": 3,  # subscription, its role, the role's policy
    "first_queue_key": 1,  # the queue key, with the first queue of the topic
    "first_subscription_dlq": 3,  # the subscriptions' dead-letter queue, its policy, its alarm
}

#: Topic names: 1-256 letters, digits, hyphens and underscores; a FIFO topic's ends in ``.fifo``.
TOPIC_NAME_PAGE = "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"
#: Queue names: up to 80 alphanumerics, hyphens and underscores; a FIFO queue's ends in ``.fifo``.
QUEUE_NAME_PAGE = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"
#: Dashboard names: up to 255 characters, A-Z, a-z, 0-9, "-" and "_" (the AWS::CloudWatch::Dashboard
#: reference says the same, 1 to 255).
DASHBOARD_NAME_PAGE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html"

#: Receives before a message of a new queue moves to its dead-letter queue, unless given.
DEFAULT_MAX_RECEIVE_COUNT = 5

_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https://[^\s/$.?#][^\s]*$")
_SUBSCRIBER_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


@dataclass(frozen=True)
class TopicProps:
    """The checked props of a ``FanoutTopic``."""

    topic_name: str | None
    display_name: str | None
    fifo: bool
    content_based_deduplication: bool
    service_publishers: tuple[str, ...]
    dashboard: bool
    dashboard_name: str | None
    resource_limit: int
    delivery_status_logging: Mapping[str, int]
    archive_retention_days: int | None


def _optional_string(prop: str, value: object) -> str | None:
    return None if value is None else props.string(prop, value)


def check_topic(
    *,
    topic_name: object,
    display_name: object,
    fifo: object,
    content_based_deduplication: object,
    service_publishers: object,
    dashboard_name: object,
    resource_limit: object,
    dashboard: object = True,
    delivery_status_logging: object = None,
    archive_retention_days: object = None,
    is_token: bool = False,
    dashboard_is_token: bool = False,
) -> TopicProps:
    """Check a ``FanoutTopic``'s own props; ``is_token`` (``dashboard_is_token``) says ``topic_name``
    (``dashboard_name``) is a CDK token, checked by AWS at deploy only."""
    name = _optional_string("topic_name", topic_name)
    is_fifo = props.boolean("fifo", fifo)
    dedup = props.boolean("content_based_deduplication", content_based_deduplication)
    if dedup and not is_fifo:
        raise invalid("content_based_deduplication", True, "only with fifo=True")
    if name is not None and not is_token:
        pattern = r"^[A-Za-z0-9_-]{1,251}\.fifo$" if is_fifo else r"^[A-Za-z0-9_-]{1,256}$"
        if not re.fullmatch(pattern, name):
            suffix = ", ending in .fifo (counted in the 256)" if is_fifo else ""
            raise invalid("topic_name", name, f"1 to 256 letters, digits, - and _{suffix} ({TOPIC_NAME_PAGE})")
    publishers = props.strings("service_publishers", service_publishers)
    for principal in publishers:
        check_service_principal("service_publishers", principal)
    limit = props.integer("resource_limit", resource_limit, low=1, high=CFN_RESOURCE_LIMIT)
    with_dashboard = props.boolean("dashboard", dashboard)
    board_name = _optional_string("dashboard_name", dashboard_name)
    if board_name is not None and not dashboard_is_token and not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", board_name):
        raise invalid("dashboard_name", board_name, f"1 to 255 letters, digits, - and _ ({DASHBOARD_NAME_PAGE})")
    if board_name is not None and not with_dashboard:
        raise invalid(
            "dashboard_name",
            board_name,
            "not with dashboard=False (no dashboard is created): drop dashboard_name or set dashboard=True",
        )
    return TopicProps(
        topic_name=name,
        display_name=_optional_string("display_name", display_name),
        fifo=is_fifo,
        content_based_deduplication=dedup,
        service_publishers=tuple(publishers),
        dashboard=with_dashboard,
        dashboard_name=board_name,
        resource_limit=limit,
        delivery_status_logging=check_delivery_status_logging("delivery_status_logging", delivery_status_logging),
        archive_retention_days=check_archive_retention("archive_retention_days", archive_retention_days, fifo=is_fifo),
    )


@dataclass(frozen=True)
class ServicePublisher:
    """How an AWS service may publish to a topic, as that service's current page says."""

    #: The page the statements follow.
    page: str
    #: The topic and key statements carry ``aws:SourceAccount`` = the topic's account (confused-deputy
    #: protection). ``False`` where the page says the service does not support a condition block.
    source_account: bool


#: The service principals ``service_publishers`` takes, each with the page its statements follow.
SERVICE_PUBLISHERS: Mapping[str, ServicePublisher] = {
    # "Creating an Amazon SNS topic for budget notifications": the topic policy limits Budgets to
    # this account with aws:SourceAccount (with aws:SourceArn arn:aws:budgets::<account>:*).
    "budgets.amazonaws.com": ServicePublisher(
        "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html", source_account=True
    ),
    # CloudWatch alarm actions to an encrypted topic; SNS's "Allow any CloudWatch alarm to publish to
    # a topic" and "aws:SourceAccount versus aws:SourceOwner" use aws:SourceAccount for alarms.
    "cloudwatch.amazonaws.com": ServicePublisher(
        "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html", source_account=True
    ),
    # EventBridge, "Amazon SNS permissions": the topic policy allows events.amazonaws.com sns:Publish
    # and condition blocks are not supported, so a statement with aws:SourceAccount would drop every
    # event (issue 27 item 11). The key statement follows the same page (kms:GenerateDataKey,
    # kms:Decrypt, no condition). What it gives up: any EventBridge rule that targets this topic's
    # ARN may publish, so who may put targets (events:PutTargets) is the control.
    "events.amazonaws.com": ServicePublisher(
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
        source_account=False,
    ),
    # S3 event notifications, "Granting permissions to publish event notification messages to a
    # destination": the topic policy carries aws:SourceAccount (and the bucket as aws:SourceArn).
    "s3.amazonaws.com": ServicePublisher(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html",
        source_account=True,
    ),
}


def check_service_principal(prop: str, principal: object) -> str:
    """One of :data:`SERVICE_PUBLISHERS` (each follows its own page), such as ``budgets.amazonaws.com``."""
    if not isinstance(principal, str) or not _SERVICE_PRINCIPAL.match(principal):
        raise invalid(prop, principal, "AWS service principals such as 'budgets.amazonaws.com'")
    if principal not in SERVICE_PUBLISHERS:
        raise invalid(
            prop,
            principal,
            f"one of {', '.join(map(repr, SERVICE_PUBLISHERS))}, the services whose documented topic and key "
            "statements buttress writes; for another service, add the statements its documentation gives with "
            "topic.topic.add_to_resource_policy(...) and to the key's policy",
        )
    return principal


def check_subscriber_id(id_: object, existing: Sequence[str]) -> str:
    """A subscriber id: a letter, then letters, digits or ``-``; unique on its topic."""
    if not isinstance(id_, str) or not _SUBSCRIBER_ID.match(id_):
        raise invalid("id_", id_, "a letter, then letters, digits or '-'")
    if id_ in existing:
        raise invalid("id_", id_, f"unique among this topic's subscribers ({', '.join(existing)})")
    return id_


def check_not_fifo(method: str, fifo: bool) -> None:
    """Only queues subscribe to a FIFO topic (:data:`FIFO_DELIVERY_PAGE`)."""
    if fifo:
        raise ButtressError(
            f"{method} is invalid on a FIFO topic: FIFO topics deliver to SQS queues (FIFO or standard) only "
            f"({FIFO_DELIVERY_PAGE})"
        )


#: "Amazon SNS message delivery for FIFO topics": FIFO topics deliver to SQS FIFO and standard
#: queues (standard queues since September 2023) and to nothing else; a standard topic takes no FIFO
#: queue (SNS answers "FIFO SQS Queues can not be subscribed to standard SNS topics").
FIFO_DELIVERY_PAGE = "https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html"


def check_queue_kind(prop: str, queue: str, *, queue_fifo: bool, topic_fifo: bool) -> None:
    """An existing queue the topic can deliver to: no FIFO queue on a standard topic.

    ``queue`` names the queue in the message (its ARN, or its construct path when the ARN is a token).
    """
    if queue_fifo and not topic_fifo:
        raise invalid(
            prop,
            queue,
            "a standard queue: this is a FIFO queue and the topic is a standard topic, and SNS subscribes "
            f"FIFO queues to FIFO topics only ({FIFO_DELIVERY_PAGE}); make the topic fifo=True (FIFO topics "
            "deliver to FIFO and standard queues) or subscribe a standard queue",
        )


def check_filter_scope(prop: str, value: object) -> FilterScope:
    """A :class:`~buttress.options.FilterScope` or its string."""
    return props.option(prop, value, FilterScope)


@dataclass(frozen=True)
class QueueOptions:
    """What ``add_queue`` builds for a new queue (``dead_letter`` ``None``: a queue object is given)."""

    dead_letter: DeadLetterQueue | None
    max_receive_count: int
    queue_name: str | None


def check_new_queue(
    prefix: str,
    *,
    dead_letter_queue: object,
    dead_letter_is_queue: bool,
    max_receive_count: object,
    queue_name: object,
    fifo: bool,
    is_token: bool = False,
) -> QueueOptions:
    """Props of a queue ``add_queue`` creates; ``prefix`` is ``add_queue('<id>').``."""
    dead_letter = None
    if not dead_letter_is_queue:
        choice = DeadLetterQueue.OWN if dead_letter_queue is None else dead_letter_queue
        dead_letter = props.option(f"{prefix}dead_letter_queue", choice, DeadLetterQueue)
    count = DEFAULT_MAX_RECEIVE_COUNT if max_receive_count is None else max_receive_count
    checked_count = props.integer(f"{prefix}max_receive_count", count, low=1, high=1000)
    name = _optional_string(f"{prefix}queue_name", queue_name)
    if name is not None and fifo and not is_token and not name.endswith(".fifo"):
        raise invalid(f"{prefix}queue_name", name, f"a name ending in .fifo on a FIFO topic ({QUEUE_NAME_PAGE})")
    if name is not None and not is_token:
        pattern = r"[A-Za-z0-9_-]{1,75}\.fifo" if fifo else r"[A-Za-z0-9_-]{1,80}"
        if not re.fullmatch(pattern, name):
            suffix = ", ending in .fifo (counted in the 80)" if fifo else ""
            raise invalid(f"{prefix}queue_name", name, f"1 to 80 letters, digits, - and _{suffix} ({QUEUE_NAME_PAGE})")
    return QueueOptions(dead_letter, checked_count, name)


def check_existing_queue(prefix: str, given: Mapping[str, object]) -> None:
    """With ``queue=`` (an existing queue), the props that shape a new queue have no effect: refuse them."""
    _refuse_given(
        prefix,
        given,
        "not with queue= (subscribing an existing queue): its name, visibility timeout and redrive "
        "belong to whoever created it; set them there, or drop queue= to let the topic create the queue",
    )


def _refuse_given(prefix: str, given: Mapping[str, object], why: str) -> None:
    """The first of ``given`` that is not ``None`` (not given) is an error saying ``why``."""
    for prop, value in given.items():
        if value is not None:
            raise invalid(f"{prefix}{prop}", value, why)


#: The props that shape the topic itself; with ``existing_topic=`` they are its owner's.
EXISTING_TOPIC_OWNER_PROPS = (
    "topic_name",
    "display_name",
    "content_based_deduplication",
    "delivery_status_logging",
    "archive_retention_days",
)


def check_existing_topic(given: Mapping[str, object], *, fifo: object, topic_fifo: bool, arn_known: bool) -> bool:
    """With ``existing_topic=``: refuse the props of a new topic; whether the topic is FIFO.

    ``given`` maps each of :data:`EXISTING_TOPIC_OWNER_PROPS` to its value (``None`` when not
    given). ``topic_fifo`` is what the topic's ARN says (a name ending ``.fifo``: "Amazon SNS FIFO
    topics", :data:`FIFO_DELIVERY_PAGE`); when the ARN is known at deploy only (``arn_known`` false)
    ``fifo=True`` is how the caller says so.
    """
    _refuse_given(
        "",
        given,
        "not with existing_topic= (subscribing to a topic this construct did not create): the topic's "
        "name, display name, deduplication, delivery-status logging and archive belong to whoever created "
        "it; set them there, or drop existing_topic= to let FanoutTopic create the topic",
    )
    is_fifo = props.boolean("fifo", fifo)
    if is_fifo and arn_known and not topic_fifo:
        raise invalid(
            "fifo",
            True,
            "not with this existing_topic: its ARN does not end in .fifo, so it is a standard topic; leave fifo "
            "out (an existing topic's ARN says whether it is FIFO)",
        )
    return is_fifo or topic_fifo


def check_url(prop: str, url: object, *, is_token: bool = False) -> str:
    """An ``https://`` URL (SNS delivers over TLS only from a FanoutTopic)."""
    text = props.string(prop, url)
    if not is_token and not _URL.match(text):
        raise invalid(prop, url, "an https:// URL (SNS delivers over TLS only from this topic)")
    return text


def check_email(prop: str, address: object, *, is_token: bool = False) -> str:
    """An e-mail address."""
    text = props.string(prop, address)
    if not is_token and not _EMAIL.match(text):
        raise invalid(prop, address, "an e-mail address such as 'ops@example.com'")
    return text


def check_delivery_policy(prop: str, policy: object) -> dict[str, Any] | None:
    """An HTTP/S delivery policy within SNS's bounds (:mod:`buttress.rules.delivery_policy`)."""
    if policy is None:
        return None
    checked = props.mapping(prop, policy)
    try:
        validate_delivery_policy(checked)
    except DeliveryPolicyError as exc:
        raise ButtressError(f"{prop}: {exc}", prop=prop) from exc
    return checked


def check_filter_policy(prop: str, policy: Mapping[str, Any], scope: FilterScope) -> dict[str, Any]:
    """A filter policy in the JSON form, valid in ``scope`` (:func:`buttress.filter_policy.validate`)."""
    plain = dict(policy)
    try:
        validate(plain, scope=scope.value)
    except FilterPolicyError as exc:
        raise ButtressError(f"{prop} is invalid: {exc}", prop=prop) from exc
    return plain


#: Protocols whose delivery status SNS logs to CloudWatch Logs, as FanoutTopic takes them (the
#: subscriber kinds it has that SNS logs): SNS Developer Guide, "Amazon SNS message delivery status".
DELIVERY_STATUS_PROTOCOLS: Mapping[str, str] = {"sqs": "SQS", "lambda": "LAMBDA", "https": "HTTP"}

#: SNS keeps a FIFO topic's archive 1 to 365 days ("Amazon SNS message archiving and replay for FIFO
#: topics"; ``ArchivePolicy`` of AWS::SNS::Topic).
ARCHIVE_RETENTION_DAYS = (1, 365)


def check_delivery_status_logging(prop: str, value: object) -> dict[str, int]:
    """Protocol (``sqs``, ``lambda``, ``https``) -> percentage of successful deliveries logged (0-100)."""
    if value is None:
        return {}
    checked = props.mapping(prop, value)
    if not checked:
        raise invalid(prop, value, "at least one protocol, or None for no delivery-status logging")
    rates: dict[str, int] = {}
    for protocol, rate in checked.items():
        if protocol not in DELIVERY_STATUS_PROTOCOLS:
            raise invalid(
                prop,
                value,
                f"protocols {', '.join(map(repr, DELIVERY_STATUS_PROTOCOLS))} (the subscribers whose delivery "
                f"status SNS logs), not {protocol!r}",
            )
        rates[protocol] = props.integer(
            f"{prop}[{protocol!r}]", rate, low=0, high=100, allowed="a whole number from 0 to 100 (a percentage)"
        )
    return rates


def check_archive_retention(prop: str, value: object, *, fifo: bool) -> int | None:
    """Days a FIFO topic keeps its messages for replay (1-365); refused on a standard topic."""
    if value is None:
        return None
    days = props.integer(prop, value, low=ARCHIVE_RETENTION_DAYS[0], high=ARCHIVE_RETENTION_DAYS[1])
    if not fifo:
        raise invalid(prop, value, "only with fifo=True: SNS archives and replays messages of FIFO topics only")
    return days


def check_route_attributes(attributes: object) -> Mapping[str, Any] | None:
    """``FanoutTopic.route(attributes=...)``: ``None`` or a dict of message attributes."""
    if attributes is None:
        return None
    return props.mapping("attributes", attributes)
