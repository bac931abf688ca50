"""``FanoutTopic``: one encrypted SNS topic, many subscribers, filter policies checked at synth."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Annotations, ArnFormat, CfnOutput, CfnResource, Duration, Names, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from buttress.errors import ButtressError, invalid, reports_errors
from buttress.network import Network, vpc_input
from buttress.options import DeadLetterQueue, FilterScope
from buttress.parts import nag
from buttress.parts.keys import limit_grants_to_aws_services
from buttress.rules import props
from buttress.rules.fanout import (
    CFN_RESOURCE_LIMIT,
    DELIVERY_STATUS_PROTOCOLS,
    FILTERING_METRICS,
    RESOURCES_PER_SUBSCRIBER,
    QueueOptions,
    TopicProps,
    check_delivery_policy,
    check_email,
    check_existing_queue,
    check_filter_policy,
    check_filter_scope,
    check_new_queue,
    check_not_fifo,
    check_service_principal,
    check_subscriber_id,
    check_topic,
    check_url,
)
from buttress.rules.filter_policy import matches
from buttress.rules.template_metadata import SUBSCRIBER_METADATA, TOPIC_METADATA

__all__ = [
    "CFN_RESOURCE_LIMIT",
    "CFN_TEMPLATE_BYTES",
    "FILTERING_METRICS",
    "RESOURCES_PER_SUBSCRIBER",
    "FanoutSubscriber",
    "FanoutTopic",
    "policy_json",
    "policy_template_bytes",
]

_RECOUNT_MARGIN = 60
_ARN = ArnFormat.NO_RESOURCE_NAME

#: CloudFormation's limit on a template's size (aws-cdk-lib warns at the same figure).
CFN_TEMPLATE_BYTES = 1_000_000
#: Template bytes budgeted per resource besides filter policies: measured 750-980 (bench/fanout.py),
#: so 500 resources stay near 0.5 MB and filter policies, the one input of unbounded size (SNS takes
#: 256 KB each), are what the byte guard watches.
_BYTES_PER_RESOURCE = 1_000
#: The most resources one subscriber adds (a queue with its own dead-letter queue, first of its kind).
_MAX_SUBSCRIBER_RESOURCES = 10
_DEAD_LETTER_RETENTION = Duration.days(14)


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


def _has(value: object, *attributes: str) -> bool:
    # jsii interfaces (IQueue, IFunction, IAlarmAction, IGrantable) are not runtime-checkable:
    # recognise one by what it offers.
    return value is not None and all(hasattr(value, attribute) for attribute in attributes)


def _queue_object(prop: str, value: object) -> sqs.IQueue:
    if not _has(value, "queue_arn", "queue_url"):
        raise invalid(prop, value, f"an sqs.IQueue (e.g. sqs.Queue(...)), not {type(value).__name__}")
    return value  # type: ignore[return-value]


@jsii.implements(sns.ITopicSubscription)
class _QueueSubscription:
    """``SqsSubscription``, except for the key statement, which the topic adds itself.

    SqsSubscription names the topic in the queue key's policy; when one key encrypts the topic
    and its queues (``key=``), that is a dependency cycle (see ``_source_topic_condition``).
    """

    def __init__(
        self, fanout: FanoutTopic, queue: sqs.IQueue, *, raw_message_delivery: bool, dead_letter_queue: sqs.IQueue
    ) -> None:
        self._fanout = fanout
        self._queue = queue
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
            self._fanout._owner_must_add("queue policy", queue.queue_arn, statement)
        if queue.encryption_master_key is not None:
            self._fanout._allow_sns_on_key(queue.encryption_master_key)
        elif not result.statement_added:
            self._fanout._owner_must_add(
                "key policy (if the queue uses a customer-managed key)",
                "the queue's key",
                self._fanout._sns_key_statement(None),
            )
        if isinstance(queue, Construct) and Stack.of(queue) is not Stack.of(topic):
            Stack.of(queue).add_dependency(Stack.of(topic))
        region = queue.env.region
        here = Stack.of(topic).region
        other_region = not Token.is_unresolved(region) and not Token.is_unresolved(here) and region != here
        return sns.TopicSubscriptionConfig(
            region=region if other_region else None,
            subscriber_scope=queue,  # type: ignore[arg-type]
            subscriber_id=Names.node_unique_id(topic.node),
            endpoint=queue.queue_arn,
            protocol=sns.SubscriptionProtocol.SQS,
            raw_message_delivery=self._raw,
            dead_letter_queue=self._dead_letter_queue,
            subscription_dependency=result.policy_dependable,
        )


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

    Every prop is type-checked; a bad one raises :class:`~buttress.errors.ButtressError` starting
    with this construct's path.

    :param topic_name: physical name. Default: generated (FIFO topics get the ``.fifo`` suffix).
    :param display_name: display name (e-mail "From"). Default: none.
    :param fifo: a FIFO topic (subscribers: queues only). Default ``False``.
    :param content_based_deduplication: FIFO only. Default ``False``.
    :param service_publishers: a list of AWS service principals allowed to publish, e.g.
        ``["budgets.amazonaws.com"]``. Default none.
    :param alarm_action: action of every alarm the topic creates (e.g.
        ``cloudwatch_actions.SnsAction(ops_topic)``). Default none: alarms only show in the console.
    :param vpc: a :class:`~buttress.Network` or any ``ec2.IVpc`` to get an SNS interface endpoint
        (PrivateLink, private DNS), so publishers in that VPC reach SNS without the internet. A
        ``Network`` shares its endpoint (and security group) with everything else in it; another
        VPC gets an endpoint owned by this topic. Default ``None``.
    :param key: an existing KMS key (e.g. one per stack or team) to encrypt the topic, its queues
        and dead-letter queues, instead of two new keys ($1 a month each). Its policy gets what SNS
        and ``service_publishers`` need (an imported key: printed as ``[buttress:ownerMustAdd]`` info
        annotations for its owner). Default: two new keys, rotation on.
    :param delivery_status_logging: protocol (``"sqs"``, ``"lambda"``, ``"https"``) -> percentage
        (0-100) of successful deliveries SNS logs to CloudWatch Logs (failures always). Default none.
    :param archive_retention_days: FIFO only: days (1-365) SNS archives messages for replay. Default none.
    :param dashboard: create the dashboard ($3 a month beyond an account's first three). Default ``True``.
    :param dashboard_name: name of the dashboard (an error with ``dashboard=False``). Default: generated.
    :param resource_limit: the per-stack resource limit the guard enforces. Default 500.

    Methods: :meth:`add_queue`, :meth:`add_function`, :meth:`add_https_endpoint`, :meth:`add_email`,
    :meth:`add_firehose`,
    :meth:`allow_service_publisher`, :meth:`grant_publish`, :meth:`metric`,
    :meth:`metric_messages_published`, :meth:`metric_notifications_delivered`,
    :meth:`metric_notifications_filtered_out`, :meth:`metric_notifications_failed`, :meth:`route`.

    Attributes: ``topic``, ``key``, ``queue_key`` (``None`` until a queue is needed),
    ``subscription_dead_letter_queue``, ``shared_dead_letter_queue`` (``None`` until a queue uses
    ``dead_letter_queue="shared"``), ``dashboard``, ``failed_alarm``, ``dead_letter_alarms``,
    ``endpoint`` (the interface endpoint or ``None``), ``delivery_status_role``, ``shares_key``, ``subscribers``.
    """

    @reports_errors
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
        vpc: Network | ec2.IVpc | None = None,
        key: kms.IKey | None = None,
        delivery_status_logging: Mapping[str, int] | None = None,
        archive_retention_days: int | None = None,
        dashboard: bool = True,
        dashboard_name: str | None = None,
        resource_limit: int = CFN_RESOURCE_LIMIT,
    ) -> None:
        checked = check_topic(
            topic_name=topic_name,
            display_name=display_name,
            fifo=fifo,
            content_based_deduplication=content_based_deduplication,
            service_publishers=service_publishers,
            dashboard_name=dashboard_name,
            resource_limit=resource_limit,
            dashboard=dashboard,
            delivery_status_logging=delivery_status_logging,
            archive_retention_days=archive_retention_days,
            is_token=isinstance(topic_name, str) and Token.is_unresolved(topic_name),
        )
        if alarm_action is not None and not _has(alarm_action, "bind"):
            raise invalid("alarm_action", alarm_action, "a cloudwatch.IAlarmAction (e.g. cloudwatch_actions.SnsAction)")
        if key is not None and not _has(key, "key_arn", "add_to_resource_policy"):
            raise invalid("key", key, f"a kms.IKey (e.g. kms.Key(...)), not {type(key).__name__}")
        network = vpc_input("vpc", vpc) if vpc is not None else None
        super().__init__(scope, id_)
        self.fifo = checked.fifo
        self._topic_name = checked.topic_name
        self.resource_limit = checked.resource_limit
        self.alarm_action = alarm_action
        self.subscribers: list[FanoutSubscriber] = []
        self._estimate: int | None = None
        self._policy_bytes = 0
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        self.queue_key: kms.IKey | None = None
        self.shares_key = key is not None
        self._outputs = 0
        self.subscription_dead_letter_queue: sqs.Queue | None = None
        self.shared_dead_letter_queue: sqs.Queue | None = None
        self.delivery_status_role = self._delivery_status_role() if checked.delivery_status_logging else None
        self.key, self.topic = self._topic(id_, checked, key)
        for principal in checked.service_publishers:
            self.allow_service_publisher(principal)
        self.failed_alarm = self._alarm(
            "NotificationsFailedAlarm",
            self.metric_notifications_failed(),
            "SNS gave up delivering a notification of this topic (delivery policy exhausted)",
        )
        self.dashboard = self._dashboard(checked.dashboard_name) if checked.dashboard else None
        self.endpoint: ec2.InterfaceVpcEndpoint | None = None
        if network is not None:
            self.endpoint = self._endpoint(network.vpc, network.network)
        self.node.add_validation(_ResourceLimit(self, checked.resource_limit))

    def _topic(self, id_: str, checked: TopicProps, given: kms.IKey | None) -> tuple[kms.IKey, sns.Topic]:
        key = given
        if key is None:
            created = kms.Key(self, "Key", description=f"SNS topic {self.node.path}", enable_key_rotation=True)
            limit_grants_to_aws_services(created)
            key = created
        topic = sns.Topic(
            self,
            "Topic",
            topic_name=checked.topic_name,
            display_name=checked.display_name,
            fifo=checked.fifo or None,
            content_based_deduplication=checked.content_based_deduplication or None,
            master_key=key,
            enforce_ssl=True,
            signature_version="2",
            logging_configs=self._logging_configs(checked.delivery_status_logging) or None,
            message_retention_period_in_days=checked.archive_retention_days,
        )
        cfn_topic = topic.node.default_child
        assert isinstance(cfn_topic, sns.CfnTopic)
        cfn_topic.add_metadata(TOPIC_METADATA, id_)
        return key, topic

    def _logging_configs(self, rates: Mapping[str, int]) -> list[sns.LoggingConfig]:
        role = self.delivery_status_role
        return [
            sns.LoggingConfig(
                protocol=sns.LoggingProtocol(DELIVERY_STATUS_PROTOCOLS[protocol]),
                failure_feedback_role=role,
                success_feedback_role=role,
                success_feedback_sample_rate=rate,
            )
            for protocol, rate in rates.items()
        ]

    def _delivery_status_role(self) -> iam.Role:
        """The role SNS writes delivery-status logs with: only the log groups SNS names after this topic."""
        stack = Stack.of(self)
        # SNS names them sns/<region>/<account>/<topic>[/Failure]. The topic's name, when generated, is
        # known only once the topic exists, and the topic names this role: a name prefix would be a
        # cycle, so a generated name gets every SNS delivery-status group of the account and region.
        name = self._topic_name if self._topic_name and not Token.is_unresolved(self._topic_name) else ""
        groups = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"sns/{stack.region}/{stack.account}/{name}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        role = iam.Role(
            self,
            "DeliveryStatusRole",
            assumed_by=iam.ServicePrincipal("sns.amazonaws.com"),
            description=f"SNS delivery-status logging of {self.node.path}",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:PutMetricFilter",
                    "logs:PutRetentionPolicy",
                ],
                resources=[groups],
            )
        )
        nag.acknowledge_wildcards(
            role,
            resources={
                groups: "SNS creates the delivery-status log groups (sns/<region>/<account>/<topic> and its "
                "/Failure group) and their streams itself; the wildcard covers those names and their streams only"
            },
        )
        return role

    def _dashboard(self, dashboard_name: str | None) -> cloudwatch.Dashboard:
        return cloudwatch.Dashboard(
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

    def _endpoint(self, vpc: ec2.IVpc, network: Network | None) -> ec2.InterfaceVpcEndpoint:
        if network is not None:
            return network.add_interface_endpoint("sns")
        # Another VPC: the endpoint is this topic's, in the VPC's private subnets; its security
        # group admits HTTPS from the VPC's CIDR only (CDK's open=True default).
        return ec2.InterfaceVpcEndpoint(
            self,
            "SnsEndpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointAwsService.SNS,
            private_dns_enabled=True,
        )

    # ----------------------------------------------------------------------------------------
    # publishers, grants, metrics

    @reports_errors
    def allow_service_publisher(self, principal: str) -> None:
        """Let the AWS service ``principal`` (e.g. ``"budgets.amazonaws.com"``) publish for this account.

        The topic policy allows ``sns:Publish`` and the key policy ``kms:GenerateDataKey*`` and
        ``kms:Decrypt``, both only with ``aws:SourceAccount`` = this stack's account, so another
        account cannot make the service publish here (confused deputy).
        """
        check_service_principal("principal", principal)
        service = iam.ServicePrincipal(principal)
        source_account = {"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}
        sid = f"Publisher{_sid(principal)}"
        self._add_key_statement(
            self.key,
            iam.PolicyStatement(
                sid=sid,
                principals=[service],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions=source_account,
            ),
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

    @reports_errors
    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish: ``sns:Publish`` on the topic, ``kms:GenerateDataKey`` + ``kms:Decrypt`` on its key.

        Exactly the two key actions SNS needs to encrypt what a publisher sends, not aws-cdk-lib's
        ``kms:GenerateDataKey*`` (``Topic.grant_publish``), so the grantee stays cdk-nag clean.
        """
        if not _has(grantee, "grant_principal"):
            raise invalid("grantee", grantee, f"an iam.IGrantable (a role, a function), not {type(grantee).__name__}")
        self.key.grant(grantee, "kms:GenerateDataKey", "kms:Decrypt")
        return iam.Grant.add_to_principal_or_resource(
            grantee=grantee, actions=["sns:Publish"], resource_arns=[self.topic.topic_arn], resource=self.topic
        )

    @reports_errors
    def metric(self, metric_name: str, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Any topic metric by name, with the Sum statistic (counts of messages add up; averages mislead).

        Default period 5 minutes. The named ``metric_*`` methods cover the metrics the dashboard shows.
        """
        props.string("metric_name", metric_name)
        if period is not None:
            props.instance("period", period, Duration, "a Duration")
        return self.topic.metric(metric_name, statistic="Sum", period=period or Duration.minutes(5))

    @reports_errors
    def metric_messages_published(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``NumberOfMessagesPublished`` (Sum), default period 5 minutes."""
        return self.metric("NumberOfMessagesPublished", period=period)

    @reports_errors
    def metric_notifications_delivered(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``NumberOfNotificationsDelivered`` (Sum), default period 5 minutes."""
        return self.metric("NumberOfNotificationsDelivered", period=period)

    @reports_errors
    def metric_notifications_filtered_out(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``NumberOfNotificationsFilteredOut`` (Sum): messages no subscription's filter policy accepted."""
        return self.metric("NumberOfNotificationsFilteredOut", period=period)

    @reports_errors
    def metric_notifications_failed(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """``NumberOfNotificationsFailed`` (Sum): deliveries SNS gave up on. Default period 5 minutes."""
        return self.metric("NumberOfNotificationsFailed", period=period)

    # ----------------------------------------------------------------------------------------
    # subscribers

    @reports_errors
    def add_queue(
        self,
        id_: str,
        *,
        queue: sqs.IQueue | None = None,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES,
        raw_message_delivery: bool = True,
        dead_letter_queue: DeadLetterQueue | str | sqs.IQueue | None = None,
        max_receive_count: int | None = None,
        queue_name: str | None = None,
        visibility_timeout: Duration | None = None,
    ) -> sqs.IQueue:
        """Subscribe a queue: a new encrypted, TLS-only queue (default) or an existing ``queue``.

        :param queue: an existing queue to subscribe. Its name, visibility timeout and redrive are
            its owner's: with ``queue``, ``queue_name``, ``visibility_timeout``,
            ``max_receive_count`` and ``dead_letter_queue`` are errors. Default: a new queue.
        :param filter_policy: JSON-form dict (or a map of L2 ``SubscriptionFilter``). Default none.
        :param filter_scope: :class:`~buttress.FilterScope` or its string. Default ``MessageAttributes``.
        :param raw_message_delivery: deliver the message as published, attributes as SQS
            attributes. Default ``True``.
        :param dead_letter_queue: where a new queue's failed messages go: :class:`~buttress.DeadLetterQueue`
            ``OWN`` / ``"own"`` (a dead-letter queue for this queue), ``SHARED`` / ``"shared"`` (one per
            topic for all its queues: 3 fewer resources per queue) or a queue object. Default ``OWN``.
        :param max_receive_count: receives before a message moves to the dead-letter queue. Default 5.
        :param queue_name: physical name of a new queue. Default generated.
        :param visibility_timeout: of a new queue. Default SQS's 30 s.
        """
        self._check_id(id_)
        prefix = f"add_queue({id_!r})."
        policy, scope = self._filter(prefix, filter_policy, filter_scope)
        raw = props.boolean(f"{prefix}raw_message_delivery", raw_message_delivery)
        if visibility_timeout is not None:
            props.instance(f"{prefix}visibility_timeout", visibility_timeout, Duration, "a Duration")
        consumer_dlq: sqs.IQueue | None = None
        if queue is not None:
            queue = _queue_object(f"{prefix}queue", queue)
            check_existing_queue(
                prefix,
                {
                    "queue_name": queue_name,
                    "visibility_timeout": visibility_timeout,
                    "max_receive_count": max_receive_count,
                    "dead_letter_queue": dead_letter_queue,
                },
            )
            self._guard(f"add_queue({id_!r})", RESOURCES_PER_SUBSCRIBER["existing_queue"] + self._first_costs())
        else:
            queue, consumer_dlq = self._subscriber_queue(
                id_, prefix, dead_letter_queue, max_receive_count, queue_name, visibility_timeout
            )
        subscription = self.topic.add_subscription(
            _QueueSubscription(self, queue, raw_message_delivery=raw, dead_letter_queue=self._subscription_dlq())
        )
        self._register(id_, "sqs", subscription, policy, scope, queue=queue, dead_letter_queue=consumer_dlq)
        return queue

    def _subscriber_queue(
        self,
        id_: str,
        prefix: str,
        dead_letter_queue: object,
        max_receive_count: object,
        queue_name: object,
        visibility_timeout: Duration | None,
    ) -> tuple[sqs.Queue, sqs.IQueue]:
        """A new queue for ``add_queue``, with the dead-letter queue it redrives to."""
        is_queue = dead_letter_queue is not None and not isinstance(dead_letter_queue, str)
        options: QueueOptions = check_new_queue(
            prefix,
            dead_letter_queue=dead_letter_queue,
            dead_letter_is_queue=is_queue,
            max_receive_count=max_receive_count,
            queue_name=queue_name,
            fifo=self.fifo,
            is_token=isinstance(queue_name, str) and Token.is_unresolved(queue_name),
        )
        own = options.dead_letter is DeadLetterQueue.OWN
        cost = RESOURCES_PER_SUBSCRIBER["queue"] + (RESOURCES_PER_SUBSCRIBER["queue_own_dlq"] if own else 0)
        cost += self._first_costs(shared_dlq=options.dead_letter is DeadLetterQueue.SHARED)
        self._guard(f"add_queue({id_!r})", cost)
        consumer_dlq: sqs.IQueue
        if options.dead_letter is DeadLetterQueue.OWN:
            consumer_dlq = self._new_queue(f"{id_}-DeadLetterQueue", retention=_DEAD_LETTER_RETENTION)
            self._dead_letter_alarm(f"{id_}-DeadLetterQueue", consumer_dlq)
        elif options.dead_letter is DeadLetterQueue.SHARED:
            consumer_dlq = self._shared_consumer_dlq()
        else:
            consumer_dlq = _queue_object(f"{prefix}dead_letter_queue", dead_letter_queue)
        queue = self._new_queue(
            id_,
            queue_name=options.queue_name,
            visibility_timeout=visibility_timeout,
            dead_letter=sqs.DeadLetterQueue(queue=consumer_dlq, max_receive_count=options.max_receive_count),
        )
        return queue, consumer_dlq

    @reports_errors
    def add_function(
        self,
        id_: str,
        function: lambda_.IFunction,
        *,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES,
    ) -> sns.Subscription:
        """Subscribe a Lambda function (SNS gets permission to invoke it)."""
        self._check_id(id_)
        check_not_fifo("add_function", self.fifo)
        prefix = f"add_function({id_!r})."
        if not _has(function, "function_arn", "add_permission"):
            raise invalid(f"{prefix}function", function, f"a lambda_.IFunction, not {type(function).__name__}")
        policy, scope = self._filter(prefix, filter_policy, filter_scope)
        self._guard(f"add_function({id_!r})", RESOURCES_PER_SUBSCRIBER["function"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.LambdaSubscription(function, dead_letter_queue=self._subscription_dlq())
        )
        self._register(id_, "lambda", subscription, policy, scope, function=function)
        return subscription

    @reports_errors
    def add_https_endpoint(
        self,
        id_: str,
        url: str,
        *,
        delivery_policy: Mapping[str, Any] | None = None,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES,
        raw_message_delivery: bool = False,
    ) -> sns.Subscription:
        """Subscribe an HTTPS endpoint (it must confirm the subscription).

        :param delivery_policy: the retry policy in its JSON form (``healthyRetryPolicy`` ...),
            checked against SNS's documented bounds (:mod:`buttress.rules.delivery_policy`).
            Default: SNS's (3 retries, 20 s apart).
        """
        self._check_id(id_)
        check_not_fifo("add_https_endpoint", self.fifo)
        prefix = f"add_https_endpoint({id_!r})."
        checked_url = check_url("url", url, is_token=isinstance(url, str) and Token.is_unresolved(url))
        delivery = check_delivery_policy(f"{prefix}delivery_policy", delivery_policy)
        raw = props.boolean(f"{prefix}raw_message_delivery", raw_message_delivery)
        policy, scope = self._filter(prefix, filter_policy, filter_scope)
        self._guard(f"add_https_endpoint({id_!r})", RESOURCES_PER_SUBSCRIBER["https"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.UrlSubscription(
                checked_url,
                protocol=sns.SubscriptionProtocol.HTTPS,
                raw_message_delivery=raw,
                dead_letter_queue=self._subscription_dlq(),
            )
        )
        if delivery is not None:
            _cfn(subscription).delivery_policy = delivery
        self._register(id_, "https", subscription, policy, scope)
        return subscription

    @reports_errors
    def add_firehose(
        self,
        id_: str,
        delivery_stream: firehose.IDeliveryStream,
        *,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES,
        raw_message_delivery: bool = False,
    ) -> sns.Subscription:
        """Subscribe an Amazon Data Firehose delivery stream (archiving, analytics).

        SNS delivers with a subscription role of its own (``subscribers[-1].role``) allowed to put
        records into this stream only.
        """
        self._check_id(id_)
        check_not_fifo("add_firehose", self.fifo)
        prefix = f"add_firehose({id_!r})."
        if not _has(delivery_stream, "delivery_stream_arn", "grant"):
            raise invalid(
                f"{prefix}delivery_stream",
                delivery_stream,
                f"a kinesisfirehose.IDeliveryStream, not {type(delivery_stream).__name__}",
            )
        raw = props.boolean(f"{prefix}raw_message_delivery", raw_message_delivery)
        policy, scope = self._filter(prefix, filter_policy, filter_scope)
        self._guard(f"add_firehose({id_!r})", RESOURCES_PER_SUBSCRIBER["firehose"] + self._first_costs())
        role = iam.Role(
            self,
            f"{id_}-SubscriptionRole",
            assumed_by=iam.ServicePrincipal("sns.amazonaws.com"),
            description=f"SNS delivers {self.node.path} to Firehose stream {id_}",
        )
        subscription = self.topic.add_subscription(
            subs.FirehoseSubscription(
                delivery_stream,
                role=role,
                raw_message_delivery=raw,
                dead_letter_queue=self._subscription_dlq(),
            )
        )
        self._register(id_, "firehose", subscription, policy, scope, delivery_stream=delivery_stream, role=role)
        return subscription

    @reports_errors
    def add_email(
        self,
        id_: str,
        address: str,
        *,
        filter_policy: Mapping[str, Any] | None = None,
        filter_scope: FilterScope | str = FilterScope.MESSAGE_ATTRIBUTES,
        json_format: bool = False,
    ) -> sns.Subscription:
        """Subscribe an e-mail address (the recipient must confirm); ``json_format`` for ``email-json``."""
        self._check_id(id_)
        check_not_fifo("add_email", self.fifo)
        prefix = f"add_email({id_!r})."
        checked = check_email("address", address, is_token=isinstance(address, str) and Token.is_unresolved(address))
        as_json = props.boolean(f"{prefix}json_format", json_format)
        policy, scope = self._filter(prefix, filter_policy, filter_scope)
        self._guard(f"add_email({id_!r})", RESOURCES_PER_SUBSCRIBER["email"] + self._first_costs())
        subscription = self.topic.add_subscription(
            subs.EmailSubscription(checked, json=as_json, dead_letter_queue=self._subscription_dlq())
        )
        self._register(id_, "email", subscription, policy, scope)
        return subscription

    # ----------------------------------------------------------------------------------------
    # routing

    @reports_errors
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
        check_subscriber_id(id_, [s.id for s in self.subscribers])

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
        self._check_template_bytes(prop, checked)
        return checked, scope

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
        if self.queue_key is None and not self.shares_key:
            cost += RESOURCES_PER_SUBSCRIBER["first_queue_key"]
        if shared_dlq and self.shared_dead_letter_queue is None:
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

    def _queue_key(self) -> kms.IKey:
        if self.queue_key is None:
            if self.shares_key:
                self.queue_key = self.key
            else:
                created = kms.Key(
                    self,
                    "QueueKey",
                    description=f"SQS queues subscribed to SNS topic {self.node.path}",
                    enable_key_rotation=True,
                )
                limit_grants_to_aws_services(created)
                self.queue_key = created
            # SNS encrypts what it delivers to these queues (and to the subscription dead-letter
            # queue, whatever the protocol) with this key, for this topic only.
            self._allow_sns_on_key(self.queue_key)
        return self.queue_key

    def _allow_sns_on_key(self, key: kms.IKey) -> None:
        self._add_key_statement(key, self._sns_key_statement(key))

    def _sns_key_statement(self, key: kms.IKey | None) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            principals=[iam.ServicePrincipal("sns.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions=self._source_topic_condition(key),
        )

    def _owner_must_add(self, where: str, resource: str, statement: iam.PolicyStatement) -> None:
        """Print (info annotation, and a stack output resolved at deploy) a statement another owner must add."""
        stack = Stack.of(self)
        policy = json.dumps(stack.resolve(statement.to_statement_json()), sort_keys=True)
        Annotations.of(self).add_info(
            f"[buttress:ownerMustAdd] {resource} is not managed by this app: its owner must add this statement "
            f"to its {where}: {policy}"
        )
        self._outputs += 1
        CfnOutput(
            self,
            f"OwnerMustAdd{self._outputs}",
            description=f"Statement the owner of {resource} must add to its {where} (JSON)"[:1000],
            value=stack.to_json_string(statement.to_statement_json()),
        )

    def _source_topic_condition(self, key: kms.IKey | None) -> dict[str, Any]:
        """``aws:SourceArn`` = this topic; without a reference to the topic when ``key`` encrypts it too.

        The topic names its key, so the key's policy naming the topic would be a dependency cycle:
        a shared key names the topic by the ARN its name gives, or (a generated name) any topic of
        this account and region.
        """
        if key is not self.key or not self.shares_key:
            return {"ArnEquals": {"aws:SourceArn": self.topic.topic_arn}}
        stack = Stack.of(self)
        name = self._topic_name
        if name is not None and not Token.is_unresolved(name):
            return {"ArnEquals": {"aws:SourceArn": stack.format_arn(service="sns", resource=name, arn_format=_ARN)}}
        return {"ArnLike": {"aws:SourceArn": stack.format_arn(service="sns", resource="*", arn_format=_ARN)}}

    def _add_key_statement(self, key: kms.IKey, statement: iam.PolicyStatement) -> None:
        """Add ``statement`` to ``key``'s policy; for an imported key, say what its owner must add."""
        if not key.add_to_resource_policy(statement).statement_added:
            self._owner_must_add("key policy", f"the key {key.key_arn}", statement)

    def _new_queue(
        self,
        id_: str,
        *,
        queue_name: str | None = None,
        visibility_timeout: Duration | None = None,
        retention: Duration | None = None,
        dead_letter: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        return sqs.Queue(
            self,
            id_,
            queue_name=queue_name,
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
            dlq = self._new_queue("SubscriptionDeadLetterQueue", retention=_DEAD_LETTER_RETENTION)
            nag.acknowledge(
                dlq,
                "AwsSolutions-SQS3",
                "This queue is the dead-letter queue of the topic's SNS subscriptions (their "
                "RedrivePolicy); a dead-letter queue needs no dead-letter queue of its own",
            )
            self._dead_letter_alarm("SubscriptionDeadLetterQueue", dlq)
            self.subscription_dead_letter_queue = dlq
        return self.subscription_dead_letter_queue

    def _shared_consumer_dlq(self) -> sqs.Queue:
        if self.shared_dead_letter_queue is None:
            dlq = self._new_queue("SharedQueueDeadLetterQueue", retention=_DEAD_LETTER_RETENTION)
            self._dead_letter_alarm("SharedQueueDeadLetterQueue", dlq)
            self.shared_dead_letter_queue = dlq
        return self.shared_dead_letter_queue

    def _dead_letter_alarm(self, name: str, queue: sqs.IQueue) -> None:
        nag.acknowledge_rule(
            queue,
            "SQSRedrivePolicy",
            "This queue is a dead-letter queue (the alarm below watches it); a dead-letter queue needs no "
            "redrive policy of its own: a message that reaches it stays until an operator redrives it.",
            guard=["sqs_dlq_check"],
        )
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
        scope: FilterScope,
        **extra: Any,
    ) -> None:
        cfn = _cfn(subscription)
        # The routing command (python -m buttress.tools.route) finds subscribers by this metadata.
        cfn.add_metadata(SUBSCRIBER_METADATA, id_)
        if policy is not None:
            cfn.filter_policy = policy
            cfn.filter_policy_scope = scope.value
            self._policy_bytes += policy_template_bytes(policy)
        self.subscribers.append(FanoutSubscriber(id_, protocol, subscription, policy, scope.value, **extra))


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
