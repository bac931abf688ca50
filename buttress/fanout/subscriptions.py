"""The subscribers of a ``FanoutTopic``: queues, functions, HTTPS endpoints, Firehose streams, e-mail.

Each ``add_*`` checks its props, counts what it adds against the stack's limits, builds the
subscription (with the topic's subscription dead-letter queue) and records a
:class:`FanoutSubscriber`, which :meth:`FanoutTopic.route` evaluates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Duration, Names, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from buttress.errors import invalid
from buttress.fanout.existing_topic import ExistingTopic
from buttress.fanout.key_policy import KeyPolicies
from buttress.fanout.limits import StackBudget
from buttress.fanout.props import (
    EmailSubscriberProps,
    FirehoseSubscriberProps,
    FunctionSubscriberProps,
    HttpsSubscriberProps,
    QueueSubscriberProps,
)
from buttress.fanout.queues import SubscriberQueues
from buttress.options import DeadLetterQueue, FilterScope
from buttress.rules import props
from buttress.rules.fanout import (
    RESOURCES_PER_SUBSCRIBER,
    QueueOptions,
    check_delivery_policy,
    check_email,
    check_existing_queue,
    check_filter_policy,
    check_filter_scope,
    check_new_queue,
    check_not_fifo,
    check_queue_kind,
    check_subscriber_id,
    check_url,
)
from buttress.rules.template_metadata import SUBSCRIBER_METADATA


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
    delivery_stream: firehose.IDeliveryStream | None = None
    #: The role SNS assumes to deliver (Firehose subscriptions).
    role: iam.IRole | None = None


def _queue_object(prop: str, value: object) -> sqs.IQueue:
    what = "an sqs.IQueue (e.g. sqs.Queue(...))"
    checked: sqs.IQueue = props.interface(prop, value, ["queue_arn", "queue_url"], what)
    return checked


def _queue_name(queue: sqs.IQueue) -> str:
    """The queue as an error names it: its ARN, or its construct path while the ARN is a token."""
    arn = queue.queue_arn
    if not Token.is_unresolved(arn):
        return arn
    return queue.node.path if isinstance(queue, Construct) else "the queue (its ARN is known at deploy only)"


def _cfn(subscription: sns.Subscription) -> sns.CfnSubscription:
    child = subscription.node.default_child
    assert isinstance(child, sns.CfnSubscription)
    return child


def _topic_region(topic: sns.ITopic, queue: sqs.IQueue) -> str | None:
    """The subscription's ``Region``: the topic's, when the subscription's stack is in another.

    AWS::SNS::Subscription ``Region`` is "the region in which the topic resides" (CloudFormation
    reference, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html);
    the subscription is created in the queue's stack when the queue is a construct of another stack,
    else in the topic's. (A queue of another Region needs nothing: SNS delivers across Regions to
    SQS, https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html.)
    """
    home = Stack.of(queue) if isinstance(queue, Construct) else Stack.of(topic)
    region = topic.env.region
    if Token.is_unresolved(region) or Token.is_unresolved(home.region) or region == home.region:
        return None
    return region


@jsii.implements(sns.ITopicSubscription)
class _QueueSubscription:
    """``SqsSubscription``, except for the key statement, which the topic's :class:`KeyPolicies` adds.

    SqsSubscription names the topic in the queue key's policy; when one key encrypts the topic
    and its queues (``key=``), that is a dependency cycle (see ``KeyPolicies.sns_statement``).
    """

    def __init__(
        self,
        queue: sqs.IQueue,
        *,
        key_policies: KeyPolicies,
        raw_message_delivery: bool,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        self._queue = queue
        self._key_policies = key_policies
        self._raw = raw_message_delivery
        self._dead_letter_queue = dead_letter_queue

    def bind(self, topic: sns.ITopic) -> sns.TopicSubscriptionConfig:
        queue = self._queue
        statement = iam.PolicyStatement(
            resources=[queue.queue_arn],
            actions=["sqs:SendMessage"],
            principals=[iam.ServicePrincipal("sns.amazonaws.com")],
            conditions={"ArnEquals": {"aws:SourceArn": topic.topic_arn}},
        )
        result = queue.add_to_resource_policy(statement)
        if not result.statement_added:
            # A queue this app does not manage (another account's): its owner adds the statements.
            self._key_policies.owner_must_add("queue policy", queue.queue_arn, statement)
        if queue.encryption_master_key is not None:
            self._key_policies.allow_sns(queue.encryption_master_key)
        elif not result.statement_added:
            self._key_policies.owner_must_add(
                "key policy (if the queue uses a customer-managed key)",
                "the queue's key",
                self._key_policies.sns_statement(None),
            )
        if isinstance(queue, Construct) and Stack.of(queue) is not Stack.of(topic):
            Stack.of(queue).add_stack_dependency(Stack.of(topic))
        return sns.TopicSubscriptionConfig(
            region=_topic_region(topic, queue),
            subscriber_scope=queue,  # type: ignore[arg-type]
            subscriber_id=Names.node_unique_id(topic.node),
            endpoint=queue.queue_arn,
            protocol=sns.SubscriptionProtocol.SQS,
            raw_message_delivery=self._raw,
            dead_letter_queue=self._dead_letter_queue,
            subscription_dependency=result.policy_dependable,
        )


class Subscribers:
    """Adds the subscribers of one topic, in ``scope`` (the topic construct), to ``subscribers``.

    :param topic: the SNS topic.
    :param fifo: the topic is FIFO (queues only).
    :param subscribers: the list each added subscriber is appended to (``FanoutTopic.subscribers``).
    :param budget: the stack's resource and template-byte limits.
    :param queues: the topic's queues and dead-letter queues.
    :param key_policies: the topic's key statements (subscribed queues need SNS on their key).
    :param existing: for a topic this app did not create, what its subscriptions need (``None``: the
        topic is the construct's).
    """

    def __init__(
        self,
        scope: Construct,
        topic: sns.ITopic,
        *,
        fifo: bool,
        subscribers: list[FanoutSubscriber],
        budget: StackBudget,
        queues: SubscriberQueues,
        key_policies: KeyPolicies,
        existing: ExistingTopic | None = None,
    ) -> None:
        self._scope = scope
        self._topic = topic
        self._fifo = fifo
        self._subscribers = subscribers
        self._budget = budget
        self._queues = queues
        self._key_policies = key_policies
        self._existing = existing

    def add_queue(self, id_: str, given: QueueSubscriberProps) -> sqs.IQueue:
        """:meth:`FanoutTopic.add_queue`: a new queue or ``given.queue``, subscribed."""
        self._check_id(id_)
        prefix = f"add_queue({id_!r})."
        policy, scope = self._filter(prefix, given.filter_policy, given.filter_scope)
        raw = props.boolean(f"{prefix}raw_message_delivery", given.raw_message_delivery)
        if given.visibility_timeout is not None:
            props.instance(f"{prefix}visibility_timeout", given.visibility_timeout, Duration, "a Duration")
        consumer_dlq: sqs.IQueue | None = None
        queue: sqs.IQueue
        if given.queue is not None:
            queue = _queue_object(f"{prefix}queue", given.queue)
            check_queue_kind(
                f"{prefix}queue",
                _queue_name(queue),
                queue_fifo=bool(getattr(queue, "fifo", False)),
                topic_fifo=self._fifo,
            )
            check_existing_queue(
                prefix,
                {
                    "queue_name": given.queue_name,
                    "visibility_timeout": given.visibility_timeout,
                    "max_receive_count": given.max_receive_count,
                    "dead_letter_queue": given.dead_letter_queue,
                },
            )
            self._guard(id_, "add_queue", RESOURCES_PER_SUBSCRIBER["existing_queue"])
        else:
            queue, consumer_dlq = self._new_queue(id_, prefix, given)
        subscription = self._topic.add_subscription(
            _QueueSubscription(
                queue,
                key_policies=self._key_policies,
                raw_message_delivery=raw,
                dead_letter_queue=self._queues.subscription_dlq(),
            )
        )
        self._register(
            FanoutSubscriber(id_, "sqs", subscription, policy, scope.value, queue=queue, dead_letter_queue=consumer_dlq)
        )
        return queue

    def _new_queue(self, id_: str, prefix: str, given: QueueSubscriberProps) -> tuple[sqs.Queue, sqs.IQueue]:
        """A new queue for ``add_queue``, with the dead-letter queue it redrives to."""
        dead_letter_queue = given.dead_letter_queue
        options: QueueOptions = check_new_queue(
            prefix,
            dead_letter_queue=dead_letter_queue,
            dead_letter_is_queue=dead_letter_queue is not None and not isinstance(dead_letter_queue, str),
            max_receive_count=given.max_receive_count,
            queue_name=given.queue_name,
            fifo=self._fifo,
            is_token=isinstance(given.queue_name, str) and Token.is_unresolved(given.queue_name),
        )
        own = options.dead_letter is DeadLetterQueue.OWN
        shared = options.dead_letter is DeadLetterQueue.SHARED
        cost = RESOURCES_PER_SUBSCRIBER["queue"] + (RESOURCES_PER_SUBSCRIBER["queue_own_dlq"] if own else 0)
        self._guard(id_, "add_queue", cost, shared_dlq=shared)
        consumer_dlq: sqs.IQueue
        if own:
            consumer_dlq = self._queues.own_dlq(id_)
        elif shared:
            consumer_dlq = self._queues.shared_dlq()
        else:
            consumer_dlq = _queue_object(f"{prefix}dead_letter_queue", dead_letter_queue)
        queue = self._queues.new_queue(
            id_,
            queue_name=options.queue_name,
            visibility_timeout=given.visibility_timeout,
            dead_letter=sqs.DeadLetterQueue(queue=consumer_dlq, max_receive_count=options.max_receive_count),
        )
        return queue, consumer_dlq

    def add_function(self, id_: str, given: FunctionSubscriberProps) -> sns.Subscription:
        """:meth:`FanoutTopic.add_function`: SNS gets permission to invoke the function."""
        self._check_id(id_)
        check_not_fifo("add_function", self._fifo)
        prefix = f"add_function({id_!r})."
        function: lambda_.IFunction = props.interface(
            f"{prefix}function", given.function, ["function_arn", "add_permission"], "a lambda_.IFunction"
        )
        policy, scope = self._filter(prefix, given.filter_policy, given.filter_scope)
        self._guard(id_, "add_function", RESOURCES_PER_SUBSCRIBER["function"])
        subscription = self._topic.add_subscription(
            subs.LambdaSubscription(function, dead_letter_queue=self._queues.subscription_dlq())
        )
        self._register(FanoutSubscriber(id_, "lambda", subscription, policy, scope.value, function=function))
        return subscription

    def add_https_endpoint(self, id_: str, given: HttpsSubscriberProps) -> sns.Subscription:
        """:meth:`FanoutTopic.add_https_endpoint`: an HTTPS URL, with its delivery policy."""
        self._check_id(id_)
        check_not_fifo("add_https_endpoint", self._fifo)
        prefix = f"add_https_endpoint({id_!r})."
        url = check_url("url", given.url, is_token=isinstance(given.url, str) and Token.is_unresolved(given.url))
        delivery = check_delivery_policy(f"{prefix}delivery_policy", given.delivery_policy)
        raw = props.boolean(f"{prefix}raw_message_delivery", given.raw_message_delivery)
        policy, scope = self._filter(prefix, given.filter_policy, given.filter_scope)
        self._guard(id_, "add_https_endpoint", RESOURCES_PER_SUBSCRIBER["https"])
        subscription = self._topic.add_subscription(
            subs.UrlSubscription(
                url,
                protocol=sns.SubscriptionProtocol.HTTPS,
                raw_message_delivery=raw,
                dead_letter_queue=self._queues.subscription_dlq(),
            )
        )
        if delivery is not None:
            _cfn(subscription).delivery_policy = delivery
        self._register(FanoutSubscriber(id_, "https", subscription, policy, scope.value))
        return subscription

    def add_firehose(self, id_: str, given: FirehoseSubscriberProps) -> sns.Subscription:
        """:meth:`FanoutTopic.add_firehose`: SNS delivers with a role allowed this stream only."""
        self._check_id(id_)
        check_not_fifo("add_firehose", self._fifo)
        if self._existing is not None:
            self._existing.check_firehose("add_firehose")
        prefix = f"add_firehose({id_!r})."
        stream: firehose.IDeliveryStream = props.interface(
            f"{prefix}delivery_stream",
            given.delivery_stream,
            ["delivery_stream_arn", "grant"],
            "a kinesisfirehose.IDeliveryStream",
        )
        raw = props.boolean(f"{prefix}raw_message_delivery", given.raw_message_delivery)
        policy, scope = self._filter(prefix, given.filter_policy, given.filter_scope)
        self._guard(id_, "add_firehose", RESOURCES_PER_SUBSCRIBER["firehose"])
        role = iam.Role(
            self._scope,
            f"{id_}-SubscriptionRole",
            assumed_by=iam.ServicePrincipal("sns.amazonaws.com"),
            description=f"SNS delivers {self._scope.node.path} to Firehose stream {id_}",
        )
        subscription = self._topic.add_subscription(
            subs.FirehoseSubscription(
                stream, role=role, raw_message_delivery=raw, dead_letter_queue=self._queues.subscription_dlq()
            )
        )
        self._register(
            FanoutSubscriber(id_, "firehose", subscription, policy, scope.value, delivery_stream=stream, role=role)
        )
        return subscription

    def add_email(self, id_: str, given: EmailSubscriberProps) -> sns.Subscription:
        """:meth:`FanoutTopic.add_email`: ``email`` or ``email-json``; the recipient must confirm."""
        self._check_id(id_)
        check_not_fifo("add_email", self._fifo)
        prefix = f"add_email({id_!r})."
        address = given.address
        checked = check_email("address", address, is_token=isinstance(address, str) and Token.is_unresolved(address))
        as_json = props.boolean(f"{prefix}json_format", given.json_format)
        policy, scope = self._filter(prefix, given.filter_policy, given.filter_scope)
        self._guard(id_, "add_email", RESOURCES_PER_SUBSCRIBER["email"])
        subscription = self._topic.add_subscription(
            subs.EmailSubscription(checked, json=as_json, dead_letter_queue=self._queues.subscription_dlq())
        )
        self._register(FanoutSubscriber(id_, "email", subscription, policy, scope.value))
        return subscription

    def _check_id(self, id_: str) -> None:
        check_subscriber_id(id_, [s.id for s in self._subscribers])

    def _guard(self, id_: str, method: str, cost: int, *, shared_dlq: bool = False) -> None:
        """Count ``cost`` resources of the subscriber and what it is the first to need."""
        self._budget.guard(f"{method}({id_!r})", cost + self._queues.first_costs(shared_dlq=shared_dlq))

    def _filter(
        self, prefix: str, policy: Mapping[str, Any] | None, filter_scope: object
    ) -> tuple[dict[str, Any] | None, FilterScope]:
        scope = check_filter_scope(f"{prefix}filter_scope", filter_scope)
        if policy is None:
            return None, scope
        prop = f"{prefix}filter_policy"
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
        checked = check_filter_policy(prop, plain, scope)
        self._budget.check_template_bytes(prop, checked)
        return checked, scope

    def _register(self, subscriber: FanoutSubscriber) -> None:
        cfn = _cfn(subscriber.subscription)
        # The routing command (python -m buttress.tools.route) finds subscribers by this metadata.
        cfn.add_metadata(SUBSCRIBER_METADATA, subscriber.id)
        # FilterPolicyScope is written on every subscription, with or without a policy, so that adding
        # or removing a policy later is an in-place update of FilterPolicy alone. When the scope
        # leaves the template, CloudFormation sends it as null and SNS fails the update
        # ("FilterPolicyScope: Invalid value [null]": cloudformation-coverage-roadmap 1840, aws-cdk
        # 24804, user reports). SNS takes the scope without a policy: it is a subscription attribute
        # of its own, MessageAttributes by default (SetSubscriptionAttributes,
        # https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html; "Amazon SNS
        # subscription filter policy scope", https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html),
        # and setting it on a subscription without a policy succeeds against AWS (LocalStack's
        # AWS-validated test_set_subscription_filter_policy_scope). A new logical id instead would
        # not be safe: Subscribe on the same topic and endpoint returns the live subscription (or
        # refuses "already exists with different attributes"), and deleting the old resource would
        # then unsubscribe it.
        cfn.filter_policy_scope = subscriber.filter_scope
        if self._existing is not None:
            self._existing.subscribed(subscriber.id, cfn)
        if subscriber.filter_policy is not None:
            cfn.filter_policy = subscriber.filter_policy
            self._budget.add_policy(subscriber.filter_policy)
        self._subscribers.append(subscriber)
