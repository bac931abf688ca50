"""``FanoutTopic``: one encrypted SNS topic, many subscribers, filter policies checked at synth."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, CfnResource, Duration, Stack, Token, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from buttress.errors import ButtressError, invalid
from buttress.network import Network
from buttress.parts.template_metadata import SUBSCRIBER_METADATA, TOPIC_METADATA
from buttress.rules.delivery_policy import DeliveryPolicyError, validate_delivery_policy
from buttress.rules.filter_policy import SCOPES, FilterPolicyError, matches, validate

#: CloudFormation's limit of resources per stack.
CFN_RESOURCE_LIMIT = 500

#: The six SNS topic metrics that show filtering and delivery (seed: sns-filtering-metrics).
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
    "first_queue_key": 1,  # the queue key, with the first queue of the topic
    "first_subscription_dlq": 3,  # the subscriptions' dead-letter queue, its policy, its alarm
}

_RECOUNT_MARGIN = 60

#: CloudFormation's limit on a template's size (aws-cdk-lib warns at the same figure).
CFN_TEMPLATE_BYTES = 1_000_000
#: Template bytes budgeted per resource besides filter policies: measured 750-980 (bench/fanout.py),
#: so 500 resources stay near 0.5 MB and filter policies, the one input of unbounded size (SNS takes
#: 256 KB each), are what the byte guard watches.
_BYTES_PER_RESOURCE = 1_000
#: The most resources one subscriber adds (a queue with its own dead-letter queue, first of its kind).
_MAX_SUBSCRIBER_RESOURCES = 10
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FanoutSubscriber:
    """One subscription of a :class:`FanoutTopic` (what :meth:`FanoutTopic.route` evaluates)."""

    id: str
    protocol: str
    subscription: sns.Subscription
    filter_policy: Mapping[str, Any] | None
    filter_scope: str
    queue: sqs.IQueue | None = None
    dead_letter_queue: sqs.IQueue | None = None
    function: lambda_.IFunction | None = None


@jsii.implements(IValidation)
class _ResourceLimit:
    """Synth-time check of the whole stack (other constructs may add resources after the topic)."""

    def __init__(self, scope: Construct, limit: int) -> None:
        self._scope = scope
        self._limit = limit

    def validate(self) -> list[str]:
        count = _stack_resources(self._scope)
        if count > self._limit:
            return [
                f"stack {Stack.of(self._scope).stack_name} has {count} resources; CloudFormation allows "
                f"{self._limit}: split the subscribers across topics in more than one stack"
            ]
        return []


def _stack_resources(scope: Construct) -> int:
    stack = Stack.of(scope)
    return sum(1 for c in stack.node.find_all() if isinstance(c, CfnResource) and Stack.of(c) is stack)


class FanoutTopic(Construct):
    """An SNS topic that fans out to queues, functions, HTTPS endpoints and e-mail, safely by default.

    - The topic is encrypted with its own customer-managed KMS key (rotation on). An AWS-managed
      key would break AWS service publishers: only a customer-managed key's policy can let
      ``budgets.amazonaws.com`` or ``cloudwatch.amazonaws.com`` use it.
    - The topic policy denies publishing without TLS; ``service_publishers`` may publish, only on
      behalf of this account (``aws:SourceAccount``).
    - Queues created by :meth:`add_queue` are KMS-encrypted with a second key (SNS may use it only
      for this topic, ``aws:SourceArn``), TLS-only, with a dead-letter queue each; every
      subscription sends what SNS gives up on to a subscription dead-letter queue.
    - Filter policies are plain dicts in the JSON form of the AWS docs, checked by
      :func:`buttress.filter_policy.validate` here, so a bad policy fails ``cdk synth``.
    - A dashboard with the six filtering and delivery metrics (Sum), an alarm on
      ``NumberOfNotificationsFailed`` and one on each dead-letter queue; ``alarm_action`` on all.
    - Adding a subscriber that would push the stack past CloudFormation's 500 resources fails at
      once, naming the estimate.

    :param topic_name: physical name. Default: generated (FIFO topics get the ``.fifo`` suffix).
    :param display_name: display name (e-mail "From"). Default: none.
    :param fifo: a FIFO topic (subscribers: queues only). Default ``False``.
    :param content_based_deduplication: FIFO only. Default ``False``.
    :param service_publishers: AWS service principals allowed to publish, e.g.
        ``["budgets.amazonaws.com"]``. Default none.
    :param alarm_action: action of every alarm (e.g. ``cloudwatch_actions.SnsAction(ops_topic)``).
        Default none: alarms only show in the console.
    :param network: a :class:`~buttress.Network` to get the SNS interface endpoint (PrivateLink),
        so publishers in its VPC reach SNS without the internet. Default ``None``.
    :param dashboard_name: name of the dashboard. Default: generated.
    :param resource_limit: the per-stack resource limit the guard enforces. Default 500.

    Methods: :meth:`add_queue`, :meth:`add_function`, :meth:`add_https_endpoint`, :meth:`add_email`,
    :meth:`allow_service_publisher`, :meth:`grant_publish`, :meth:`metric`, :meth:`route`.

    Attributes: ``topic``, ``key``, ``queue_key`` (``None`` until a queue is needed),
    ``subscription_dead_letter_queue``, ``dashboard``, ``failed_alarm``, ``dead_letter_alarms``,
    ``endpoint`` (the interface endpoint or ``None``), ``subscribers``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        topic_name: str | None = None,
        display_name: str | None = None,
        fifo: bool = False,
        content_based_deduplication: bool = False,
        service_publishers: Sequence[str] = (),
        alarm_action: cloudwatch.IAlarmAction | None = None,
        network: Network | None = None,
        dashboard_name: str | None = None,
        resource_limit: int = CFN_RESOURCE_LIMIT,
    ) -> None:
        super().__init__(scope, id_)
        if content_based_deduplication and not fifo:
            raise invalid("content_based_deduplication", True, "only with fifo=True")
        if topic_name is not None and not Token.is_unresolved(topic_name):
            pattern = r"^[A-Za-z0-9_-]{1,251}\.fifo$" if fifo else r"^[A-Za-z0-9_-]{1,256}$"
            if not re.match(pattern, topic_name):
                raise invalid(
                    "topic_name", topic_name, f"letters, digits, - and _ (max 256){' ending in .fifo' if fifo else ''}"
                )
        for principal in service_publishers:
            _check_service_principal("service_publishers", principal)
        if not 1 <= resource_limit <= CFN_RESOURCE_LIMIT:
            raise invalid("resource_limit", resource_limit, f"1 to {CFN_RESOURCE_LIMIT}")
        self.fifo = fifo
        self.resource_limit = resource_limit
        self.alarm_action = alarm_action
        self.subscribers: list[FanoutSubscriber] = []
        self._estimate: int | None = None
        self._policy_bytes = 0
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        self.queue_key: kms.Key | None = None
        self.subscription_dead_letter_queue: sqs.Queue | None = None

        self.key = kms.Key(
            self,
            "Key",
            description=f"SNS topic {self.node.path}",
            enable_key_rotation=True,
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name=display_name,
            fifo=fifo or None,
            content_based_deduplication=content_based_deduplication or None,
            master_key=self.key,
            enforce_ssl=True,
            signature_version="2",
        )
        cfn_topic = self.topic.node.default_child
        assert isinstance(cfn_topic, sns.CfnTopic)
        cfn_topic.add_metadata(TOPIC_METADATA, id_)
        for principal in service_publishers:
            self.allow_service_publisher(principal)

        self.failed_alarm = self._alarm(
            "NotificationsFailedAlarm",
            self.metric("NumberOfNotificationsFailed"),
            "SNS gave up delivering a notification of this topic (delivery policy exhausted)",
        )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
            widgets=[
                [
                    cloudwatch.GraphWidget(
                        title="SNS message filtering",
                        left=[self.metric(name) for name in FILTERING_METRICS[:5]],
                        width=16,
                    ),
                    cloudwatch.GraphWidget(
                        title="SNS delivery failures",
                        left=[self.metric(FILTERING_METRICS[5])],
                        width=8,
                    ),
                ]
            ],
        )
        self.endpoint: ec2.InterfaceVpcEndpoint | None = (
            network.add_interface_endpoint("sns") if network is not None else None
        )
        self.node.add_validation(_ResourceLimit(self, resource_limit))

    # ----------------------------------------------------------------------------------------
    # publishers, metrics

    def allow_service_publisher(self, principal: str) -> None:
        """Let the AWS service ``principal`` (e.g. ``"budgets.amazonaws.com"``) publish for this account.

        The topic policy allows ``sns:Publish`` and the key policy ``kms:GenerateDataKey*`` and
        ``kms:Decrypt``, both only with ``aws:SourceAccount`` = this stack's account, so another
        account cannot make the service publish here (confused deputy).
        """
        _check_service_principal("principal", principal)
        service = iam.ServicePrincipal(principal)
        source_account = {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
        sid = f"Publisher{_sid(principal)}"
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[service],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions=source_account,
            )
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[service],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=source_account,
            )
        )

    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish: ``sns:Publish`` on the topic and use of the topic's key."""
        self.key.grant(grantee, "kms:GenerateDataKey*", "kms:Decrypt")
        return self.topic.grant_publish(grantee)

    def metric(self, metric_name: str, *, period: Duration | None = None) -> cloudwatch.Metric:
        """A topic metric with the Sum statistic (the seed's advice for counting messages)."""
        return self.topic.metric(metric_name, statistic="Sum", period=period or Duration.minutes(5))

    # ----------------------------------------------------------------------------------------
    # subscribers

    def add_queue(
        self,
        id_: str,
        *,
        queue: sqs.IQueue | None = None,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: str = "MessageAttributes",
        raw_message_delivery: bool = True,
        dead_letter_queue: sqs.IQueue | str = "own",
        max_receive_count: int = 5,
        queue_name: str | None = None,
        visibility_timeout: Duration | None = None,
    ) -> sqs.IQueue:
        """Subscribe a queue: a new encrypted, TLS-only queue (default) or ``queue``.

        :param filter_policy: JSON-form dict (or a map of L2 ``SubscriptionFilter``). Default none.
        :param filter_scope: ``"MessageAttributes"`` (default) or ``"MessageBody"``.
        :param raw_message_delivery: deliver the message as published, attributes as SQS
            attributes. Default ``True``.
        :param dead_letter_queue: for a new queue: ``"own"`` (default, a dead-letter queue for
            this queue), ``"shared"`` (one per topic for all its queues: 3 fewer resources per
            queue) or a queue. Ignored with ``queue`` (its redrive is the owner's business).
        :param max_receive_count: receives before a message moves to the dead-letter queue. Default 5.
        :param queue_name: physical name of a new queue. Default generated.
        :param visibility_timeout: of a new queue. Default SQS's 30 s.
        """
        self._check_id(id_)
        policy = self._filter("add_queue", id_, filter_policy, filter_scope)
        consumer_dlq: sqs.IQueue | None = None
        if queue is None:
            if not 1 <= max_receive_count <= 1000:
                raise invalid("max_receive_count", max_receive_count, "1 to 1000")
            if isinstance(dead_letter_queue, str) and dead_letter_queue not in ("own", "shared"):
                raise invalid("dead_letter_queue", dead_letter_queue, "'own', 'shared' or an sqs.IQueue")
            own = dead_letter_queue == "own"
            cost = RESOURCES_PER_SUBSCRIBER["queue"] + (RESOURCES_PER_SUBSCRIBER["queue_own_dlq"] if own else 0)
            cost += self._first_costs(shared_dlq=dead_letter_queue == "shared")
            self._guard(f"add_queue({id_!r})", cost)
            if own:
                consumer_dlq = self._new_queue(f"{id_}-DeadLetterQueue", retention=Duration.days(14))
                self._dead_letter_alarm(f"{id_}-DeadLetterQueue", consumer_dlq)
            elif dead_letter_queue == "shared":
                consumer_dlq = self._shared_consumer_dlq()
            else:
                assert not isinstance(dead_letter_queue, str)
                consumer_dlq = dead_letter_queue
            queue = self._new_queue(
                id_,
                queue_name=queue_name,
                visibility_timeout=visibility_timeout,
                dead_letter=sqs.DeadLetterQueue(queue=consumer_dlq, max_receive_count=max_receive_count),
            )
        else:
            self._guard(f"add_queue({id_!r})", RESOURCES_PER_SUBSCRIBER["existing_queue"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.SqsSubscription(
                queue,
                raw_message_delivery=raw_message_delivery,
                dead_letter_queue=self._subscription_dlq(),
            )
        )
        self._register(id_, "sqs", subscription, policy, filter_scope, queue=queue, dead_letter_queue=consumer_dlq)
        return queue

    def add_function(
        self,
        id_: str,
        function: lambda_.IFunction,
        *,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: str = "MessageAttributes",
    ) -> sns.Subscription:
        """Subscribe a Lambda function (SNS gets permission to invoke it)."""
        self._check_id(id_)
        self._not_fifo("add_function")
        policy = self._filter("add_function", id_, filter_policy, filter_scope)
        self._guard(f"add_function({id_!r})", RESOURCES_PER_SUBSCRIBER["function"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.LambdaSubscription(function, dead_letter_queue=self._subscription_dlq())
        )
        self._register(id_, "lambda", subscription, policy, filter_scope, function=function)
        return subscription

    def add_https_endpoint(
        self,
        id_: str,
        url: str,
        *,
        delivery_policy: Mapping[str, Any] | None = None,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: str = "MessageAttributes",
        raw_message_delivery: bool = False,
    ) -> sns.Subscription:
        """Subscribe an HTTPS endpoint (it must confirm the subscription).

        :param delivery_policy: the retry policy in its JSON form (``healthyRetryPolicy`` ...),
            checked against SNS's documented bounds. Default: SNS's (3 retries, 20 s apart).
        """
        self._check_id(id_)
        self._not_fifo("add_https_endpoint")
        if not Token.is_unresolved(url) and not re.match(r"^https://[^\s/$.?#][^\s]*$", url):
            raise invalid("url", url, "an https:// URL (SNS delivers over TLS only from this topic)")
        if delivery_policy is not None:
            try:
                validate_delivery_policy(delivery_policy)
            except DeliveryPolicyError as exc:
                raise ButtressError(f"add_https_endpoint({id_!r}).delivery_policy: {exc}") from exc
        policy = self._filter("add_https_endpoint", id_, filter_policy, filter_scope)
        self._guard(f"add_https_endpoint({id_!r})", RESOURCES_PER_SUBSCRIBER["https"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.UrlSubscription(
                url,
                protocol=sns.SubscriptionProtocol.HTTPS,
                raw_message_delivery=raw_message_delivery,
                dead_letter_queue=self._subscription_dlq(),
            )
        )
        if delivery_policy is not None:
            _cfn(subscription).delivery_policy = dict(delivery_policy)
        self._register(id_, "https", subscription, policy, filter_scope)
        return subscription

    def add_email(
        self,
        id_: str,
        address: str,
        *,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: str = "MessageAttributes",
        json_format: bool = False,
    ) -> sns.Subscription:
        """Subscribe an e-mail address (the recipient must confirm); ``json_format`` for ``email-json``."""
        self._check_id(id_)
        self._not_fifo("add_email")
        if not Token.is_unresolved(address) and not _EMAIL.match(address):
            raise invalid("address", address, "an e-mail address such as 'ops@example.com'")
        policy = self._filter("add_email", id_, filter_policy, filter_scope)
        self._guard(f"add_email({id_!r})", RESOURCES_PER_SUBSCRIBER["email"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.EmailSubscription(address, json=json_format, dead_letter_queue=self._subscription_dlq())
        )
        self._register(id_, "email", subscription, policy, filter_scope)
        return subscription

    # ----------------------------------------------------------------------------------------
    # routing

    def route(self, *, attributes: Mapping[str, Any] | None = None, body: Any = None) -> list[str]:
        """Ids of the subscriptions that would receive this message, in the order they were added.

        ``attributes`` take the boto3 ``publish`` shape or plain values (see
        :func:`buttress.filter_policy.matches`); ``body`` is the message (JSON text or a dict)
        for subscriptions filtering on ``MessageBody``.
        """
        return [
            s.id
            for s in self.subscribers
            if matches(s.filter_policy, attributes=attributes, body=body, scope=s.filter_scope)
        ]

    # ----------------------------------------------------------------------------------------
    # internals

    def _check_id(self, id_: str) -> None:
        if not isinstance(id_, str) or not re.match(r"^[A-Za-z][A-Za-z0-9-]*$", id_):
            raise invalid("id_", id_, "a letter, then letters, digits or '-'")
        if any(s.id == id_ for s in self.subscribers):
            raise invalid(
                "id_", id_, f"unique among this topic's subscribers ({', '.join(s.id for s in self.subscribers)})"
            )

    def _not_fifo(self, method: str) -> None:
        if self.fifo:
            raise ButtressError(f"{method} is invalid on a FIFO topic: FIFO topics deliver to SQS queues only")

    def _filter(self, method: str, id_: str, policy: Mapping[str, Any] | None, scope: str) -> dict[str, Any] | None:
        prop = f"{method}({id_!r}).filter_policy"
        if scope not in SCOPES:
            raise invalid(f"{method}({id_!r}).filter_scope", scope, " or ".join(SCOPES))
        if policy is None:
            return None
        if not isinstance(policy, Mapping):
            raise invalid(prop, policy, "a dict in the JSON form of the AWS docs, or a map of sns.SubscriptionFilter")
        plain: dict[str, Any] = {}
        for key, value in policy.items():
            if isinstance(value, sns.SubscriptionFilter):
                plain[key] = list(value.conditions)
            elif isinstance(value, sns.FilterOrPolicy):
                raise invalid(
                    prop, policy, "a plain dict for MessageBody policies (sns.FilterOrPolicy is not accepted)"
                )
            else:
                plain[key] = value
        try:
            validate(plain, scope=scope)
        except FilterPolicyError as exc:
            raise ButtressError(f"{prop} is invalid: {exc}") from exc
        self._check_template_bytes(prop, plain)
        return plain

    def _check_template_bytes(self, prop: str, policy: Mapping[str, Any]) -> None:
        """Fail before the template would pass CloudFormation's 1 MB: filter policies are what can push it."""
        added = policy_template_bytes(policy)
        resources = self._estimate if self._estimate is not None else _stack_resources(self)
        resource_bytes = _BYTES_PER_RESOURCE * (resources + _MAX_SUBSCRIBER_RESOURCES)
        estimate = resource_bytes + self._policy_bytes + added
        if estimate > CFN_TEMPLATE_BYTES:
            raise ButtressError(
                f"{prop} ({added:,} bytes in the template) would bring stack {Stack.of(self).node.id}'s template to "
                f"about {estimate:,} bytes ({self._policy_bytes:,} in earlier filter policies, about "
                f"{resource_bytes:,} for {resources} resources); CloudFormation allows {CFN_TEMPLATE_BYTES:,}. "
                "Shorten the filter policies (prefix or anything-but instead of long value lists), or split the "
                "subscribers across topics in more than one stack"
            )

    def _first_costs(self, *, shared_dlq: bool = False) -> int:
        cost = 0
        if self.subscription_dead_letter_queue is None:
            cost += RESOURCES_PER_SUBSCRIBER["first_subscription_dlq"]
        if self.queue_key is None:
            cost += RESOURCES_PER_SUBSCRIBER["first_queue_key"]
        if shared_dlq and "SharedQueueDeadLetterQueue" not in self.dead_letter_alarms:
            cost += RESOURCES_PER_SUBSCRIBER["first_subscription_dlq"]
        return cost

    def _guard(self, what: str, cost: int) -> None:
        # Counting the stack crosses into jsii for every construct: recount only near the limit
        # (the synth-time validation recounts everything anyway).
        if self._estimate is None or self._estimate + cost > self.resource_limit - _RECOUNT_MARGIN:
            self._estimate = _stack_resources(self)
        current = self._estimate
        if current + cost > self.resource_limit:
            stack = Stack.of(self)
            raise ButtressError(
                f"{what} would bring stack {stack.node.id} to about {current + cost} resources "
                f"({current} now + {cost} for this subscriber); CloudFormation allows {self.resource_limit} per "
                "stack. Use dead_letter_queue='shared' for queues (3 resources each instead of 6), subscribe "
                "existing queues, or split the subscribers across topics in more than one stack"
            )
        self._estimate = current + cost

    def _queue_key(self) -> kms.Key:
        if self.queue_key is None:
            self.queue_key = kms.Key(
                self,
                "QueueKey",
                description=f"SQS queues subscribed to SNS topic {self.node.path}",
                enable_key_rotation=True,
            )
            # SNS encrypts what it delivers to these queues (and to the subscription dead-letter
            # queue, whatever the protocol) with this key, for this topic only. SqsSubscription
            # adds the same statement; CDK merges the duplicates.
            self.queue_key.add_to_resource_policy(
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=["*"],
                    conditions={"ArnEquals": {"aws:SourceArn": self.topic.topic_arn}},
                )
            )
        return self.queue_key

    def _new_queue(
        self,
        id_: str,
        *,
        queue_name: str | None = None,
        visibility_timeout: Duration | None = None,
        retention: Duration | None = None,
        dead_letter: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        name = queue_name
        if name is not None and self.fifo and not name.endswith(".fifo"):
            raise invalid("queue_name", name, "a name ending in .fifo on a FIFO topic")
        return sqs.Queue(
            self,
            id_,
            queue_name=name,
            fifo=self.fifo or None,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self._queue_key(),
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=retention,
            dead_letter_queue=dead_letter,
        )

    def _subscription_dlq(self) -> sqs.Queue:
        if self.subscription_dead_letter_queue is None:
            dlq = self._new_queue("SubscriptionDeadLetterQueue", retention=Duration.days(14))
            Validations.of(dlq).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-SQS3",
                    reason="This queue is the dead-letter queue of the topic's SNS subscriptions (their "
                    "RedrivePolicy); a dead-letter queue needs no dead-letter queue of its own",
                )
            )
            self._dead_letter_alarm("SubscriptionDeadLetterQueue", dlq)
            self.subscription_dead_letter_queue = dlq
        return self.subscription_dead_letter_queue

    def _shared_consumer_dlq(self) -> sqs.IQueue:
        existing = self.node.try_find_child("SharedQueueDeadLetterQueue")
        if isinstance(existing, sqs.Queue):
            return existing
        dlq = self._new_queue("SharedQueueDeadLetterQueue", retention=Duration.days(14))
        self._dead_letter_alarm("SharedQueueDeadLetterQueue", dlq)
        return dlq

    def _dead_letter_alarm(self, name: str, queue: sqs.IQueue) -> None:
        self.dead_letter_alarms[name] = self._alarm(
            f"{name}Alarm",
            queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=Duration.minutes(5)),
            f"Messages are waiting in dead-letter queue {name} of {self.node.path}",
        )

    def _alarm(self, id_: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            id_,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        if self.alarm_action is not None:
            alarm.add_alarm_action(self.alarm_action)
        return alarm

    def _register(
        self,
        id_: str,
        protocol: str,
        subscription: sns.Subscription,
        policy: dict[str, Any] | None,
        scope: str,
        **extra: Any,
    ) -> None:
        cfn = _cfn(subscription)
        # The routing command (python -m buttress.tools.route) finds subscribers by this metadata.
        cfn.add_metadata(SUBSCRIBER_METADATA, id_)
        if policy is not None:
            cfn.filter_policy = policy
            cfn.filter_policy_scope = scope
            self._policy_bytes += policy_template_bytes(policy)
        self.subscribers.append(FanoutSubscriber(id_, protocol, subscription, policy, scope, **extra))


def _check_service_principal(prop: str, principal: object) -> None:
    if not isinstance(principal, str) or not _SERVICE_PRINCIPAL.match(principal):
        raise invalid(prop, principal, "AWS service principals such as 'budgets.amazonaws.com'")


def _cfn(subscription: sns.Subscription) -> sns.CfnSubscription:
    child = subscription.node.default_child
    assert isinstance(child, sns.CfnSubscription)
    return child


def _sid(principal: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^a-z0-9]", principal.removesuffix(".amazonaws.com")))


def policy_template_bytes(policy: Mapping[str, Any]) -> int:
    """About the bytes a filter policy takes in the synthesized template.

    aws-cdk-lib writes templates indented by one space per level, and a subscription's filter
    policy sits four levels deep (Resources, resource, Properties, FilterPolicy).
    """
    text = json.dumps(policy, indent=1)
    return len(text.encode("utf-8")) + 4 * text.count("\n")


def policy_json(policy: Mapping[str, Any]) -> str:
    """The compact JSON SNS stores for a filter policy."""
    return json.dumps(policy, separators=(",", ":"))
