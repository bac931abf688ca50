"""``FanoutTopic``: one encrypted SNS topic, many subscribers, filter policies checked at synth.

The class reads as a table of contents; each concern is a module beside it: props and their
checks (``props.py``), subscribers (``subscriptions.py``), the queues the topic creates
(``queues.py``), key statements (``key_policy.py``), stack limits (``limits.py``), alarms,
dashboard and delivery-status logging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from buttress.errors import ButtressError, invalid, reports_errors
from buttress.fanout.alarms import TopicAlarms
from buttress.fanout.dashboard import dashboard as topic_dashboard
from buttress.fanout.delivery_status import delivery_status_role, logging_configs
from buttress.fanout.existing_topic import ExistingTopic
from buttress.fanout.key_policy import KeyPolicies, new_key, publisher_statements
from buttress.fanout.limits import ResourceLimit, StackBudget
from buttress.fanout.props import (
    CheckedTopicProps,
    EmailSubscriberProps,
    FanoutTopicProps,
    FirehoseSubscriberProps,
    FunctionSubscriberProps,
    HttpsSubscriberProps,
    QueueSubscriberProps,
    check_topic_props,
)
from buttress.fanout.queues import SubscriberQueues
from buttress.fanout.subscriptions import FanoutSubscriber, Subscribers
from buttress.network import Network, VpcInput
from buttress.options import DeadLetterQueue, FilterScope
from buttress.parts.metrics import period as metric_period
from buttress.rules import props
from buttress.rules.fanout import CFN_RESOURCE_LIMIT, check_route_attributes, check_service_principal
from buttress.rules.filter_policy import matches
from buttress.rules.template_metadata import TOPIC_METADATA


class FanoutTopic(Construct):
    """An SNS topic that fans out to queues, functions, HTTPS endpoints and e-mail, safely by default.

    - The topic is encrypted with its own customer-managed KMS key (rotation on). An AWS-managed
      key would break AWS service publishers: only a customer-managed key's policy can let
      ``budgets.amazonaws.com`` or ``cloudwatch.amazonaws.com`` use it.
    - The topic policy denies publishing without TLS; ``service_publishers`` may publish with the
      statements each service's page gives (``aws:SourceAccount`` where the service supports it:
      :data:`buttress.rules.fanout.SERVICE_PUBLISHERS`).
    - Queues created by :meth:`add_queue` are KMS-encrypted with a second key (SNS may use it only
      for this topic, ``aws:SourceArn``), TLS-only, with a dead-letter queue each; every
      subscription sends what SNS gives up on to a subscription dead-letter queue.
    - Filter policies are plain dicts in the JSON form of the AWS docs, checked by
      :func:`buttress.filter_policy.validate` here, so a bad policy fails ``cdk synth``.
    - A dashboard with the six filtering and delivery metrics (Sum); with ``alarm_action``, an alarm
      on ``NumberOfNotificationsFailed`` and one on each dead-letter queue, all notifying it (without
      it, no alarm: one that notifies nobody is a compliance finding; :meth:`add_alarm_action` later).
    - Adding a subscriber that would push the stack past CloudFormation's 500 resources fails at
      once, naming the estimate.

    Every prop is type-checked; a bad one raises :class:`~buttress.errors.ButtressError` starting
    with this construct's path.

    :param topic_name: physical name. Default: generated (FIFO topics get the ``.fifo`` suffix).
    :param display_name: display name (e-mail "From"). Default: none.
    :param fifo: a FIFO topic (subscribers: queues only). Default ``False``.
    :param content_based_deduplication: FIFO only. Default ``False``.
    :param service_publishers: a list of AWS service principals allowed to publish, among
        ``budgets``, ``cloudwatch``, ``events`` and ``s3`` ``.amazonaws.com``, e.g.
        ``["budgets.amazonaws.com"]``. Default none.
    :param alarm_action: action of every alarm the topic creates (e.g.
        ``cloudwatch_actions.SnsAction(ops_topic)``). Default none: the topic creates no alarm (the
        convention of every buttress construct: an alarm exists only when it notifies someone).
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
    :param existing_topic: a topic this construct did not create, to subscribe to instead of creating
        one: ``sns.Topic.from_topic_arn(...)`` (or ``from_topic_attributes(..., key_arn=...)`` when a
        customer-managed key encrypts it), of this account or another, in this stack's Region, or
        another stack's ``sns.Topic``. Subscribers are added, checked and routed as on a topic of
        its own; the topic's name, display name, deduplication, delivery-status logging and archive
        are its owner's (errors here), and so are its policy and key: what they must allow (this
        account's subscriptions, ``grant_publish`` and ``service_publishers`` of another account,
        a service publisher's key statement) is printed as ``[buttress:ownerMustAdd]`` and exported
        as ``OwnerMustAdd<n>`` stack outputs. ``fifo`` follows the ARN (``.fifo``); ``key`` then
        encrypts the queues only. A topic of another account keeps its metrics there: the dashboard
        names that account, and the failed-notification alarm is not created here
        (``buttress:topicMetricsElsewhere``). Default: a new topic.
    :param removal_policy: of the keys the topic creates (the topic's and its queues'). Default
        ``RETAIN``: data encrypted with a deleted key cannot be read, but a kept key bills $1 a
        month, so ``DESTROY`` suits short-lived stacks (the key is deleted after KMS's waiting
        period, 30 days by default). Queues and the topic follow aws-cdk-lib: deleted with the stack.

    Methods: :meth:`add_queue`, :meth:`add_function`, :meth:`add_https_endpoint`, :meth:`add_email`,
    :meth:`add_firehose`,
    :meth:`allow_service_publisher`, :meth:`add_alarm_action`, :meth:`grant_publish`, :meth:`metric`,
    :meth:`metric_messages_published`, :meth:`metric_notifications_delivered`,
    :meth:`metric_notifications_filtered_out`, :meth:`metric_notifications_failed`, :meth:`route`.

    Attributes: ``topic`` (``existing_topic`` when given), ``key`` (the topic's key; ``None`` for an
    existing topic imported without one), ``queue_key`` (``None`` until a queue is needed),
    ``subscription_dead_letter_queue``, ``shared_dead_letter_queue`` (``None`` until a queue uses
    ``dead_letter_queue="shared"``), ``dashboard``, ``failed_alarm``, ``dead_letter_alarms``,
    ``endpoint`` (the interface endpoint or ``None``), ``delivery_status_role``, ``shares_key``, ``subscribers``,
    ``fifo``, ``alarm_action``, ``resource_limit``.
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
        existing_topic: sns.ITopic | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        given = FanoutTopicProps(
            topic_name=topic_name,
            display_name=display_name,
            fifo=fifo,
            content_based_deduplication=content_based_deduplication,
            service_publishers=service_publishers,
            alarm_action=alarm_action,
            vpc=vpc,
            key=key,
            delivery_status_logging=delivery_status_logging,
            archive_retention_days=archive_retention_days,
            dashboard=dashboard,
            dashboard_name=dashboard_name,
            resource_limit=resource_limit,
            existing_topic=existing_topic,
            removal_policy=removal_policy,
        )
        checked = check_topic_props(given)
        rules = checked.rules
        super().__init__(scope, id_)
        self.fifo = rules.fifo
        self.resource_limit = rules.resource_limit
        self.alarm_action = checked.alarm_action
        # A key given with existing_topic encrypts the queues only: the topic's key is its owner's.
        self.shares_key = checked.key is not None and checked.existing_topic is None
        self.subscribers: list[FanoutSubscriber] = []
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        self.delivery_status_role = (
            delivery_status_role(self, rules.topic_name) if rules.delivery_status_logging else None
        )
        existing = checked.existing_topic
        self.key: kms.IKey | None = existing.master_key if existing is not None else self._own_key(checked)
        self.topic: sns.ITopic = existing if existing is not None else self._topic(id_, checked)
        self._key_policies = KeyPolicies(
            self, self.topic, self.key, shares_key=self.shares_key, topic_name=checked.rules.topic_name
        )
        self._existing = self._existing_topic(id_, existing)
        self._alarms = TopicAlarms(
            self,
            self.alarm_action,
            self.metric_notifications_failed,
            self.dead_letter_alarms,
            topic_elsewhere=self._existing.warn_metrics_elsewhere if self._existing and self._metrics_account else None,
        )
        self._queues, self._subscribers = self._subscriber_builders(checked)
        for principal in rules.service_publishers:
            self.allow_service_publisher(principal)
        self.dashboard = topic_dashboard(self, rules.dashboard_name, self.metric) if rules.dashboard else None
        self.endpoint = self._endpoint(checked.vpc) if checked.vpc is not None else None
        self.node.add_validation(ResourceLimit(self, rules.resource_limit))

    def _topic(self, id_: str, checked: CheckedTopicProps) -> sns.Topic:
        rules = checked.rules
        topic = sns.Topic(
            self,
            "Topic",
            topic_name=rules.topic_name,
            display_name=rules.display_name,
            fifo=rules.fifo or None,
            content_based_deduplication=rules.content_based_deduplication or None,
            master_key=self.key,
            enforce_ssl=True,
            signature_version="2",
            logging_configs=logging_configs(rules.delivery_status_logging, self.delivery_status_role) or None,
            message_retention_period_in_days=rules.archive_retention_days,
        )
        cfn_topic = topic.node.default_child
        assert isinstance(cfn_topic, sns.CfnTopic)
        cfn_topic.add_metadata(TOPIC_METADATA, id_)
        return topic

    def _own_key(self, checked: CheckedTopicProps) -> kms.IKey:
        if checked.key is not None:
            return checked.key
        return new_key(self, "Key", f"SNS topic {self.node.path}", removal_policy=checked.removal_policy)

    def _existing_topic(self, id_: str, existing: sns.ITopic | None) -> ExistingTopic | None:
        """What subscribing to a topic this app did not create takes; its Region checked first."""
        if existing is None:
            return None
        found = ExistingTopic(self, id_, existing, self.key, self._key_policies)
        found.check_region()
        return found

    @property
    def _metrics_account(self) -> str | None:
        """The account whose CloudWatch holds the topic's metrics, when it is not this stack's."""
        return self._existing.home.other_account if self._existing is not None else None

    def _subscriber_builders(self, checked: CheckedTopicProps) -> tuple[SubscriberQueues, Subscribers]:
        """What the ``add_*`` methods build with: the topic's queues, the subscribers."""
        queues = SubscriberQueues(
            self,
            fifo=self.fifo,
            shared_key=checked.key,
            key_policies=self._key_policies,
            alarms=self._alarms,
            removal_policy=checked.removal_policy,
        )
        subscribers = Subscribers(
            self,
            self.topic,
            fifo=self.fifo,
            subscribers=self.subscribers,
            budget=StackBudget(self, checked.rules.resource_limit),
            queues=queues,
            key_policies=self._key_policies,
            existing=self._existing,
        )
        return queues, subscribers

    def _endpoint(self, vpc: VpcInput) -> ec2.InterfaceVpcEndpoint:
        if vpc.network is not None:
            return vpc.network.add_interface_endpoint("sns")
        # Another VPC: the endpoint is this topic's, in the VPC's private subnets; its security
        # group admits HTTPS from the VPC's CIDR only (CDK's open=True default).
        return ec2.InterfaceVpcEndpoint(
            self,
            "SnsEndpoint",
            vpc=vpc.vpc,
            service=ec2.InterfaceVpcEndpointAwsService.SNS,
            private_dns_enabled=True,
        )

    @property
    def failed_alarm(self) -> cloudwatch.Alarm | None:
        """The alarm on ``NumberOfNotificationsFailed`` > 0; ``None`` while the topic has no alarm action."""
        return self._alarms.failed

    @reports_errors
    def add_alarm_action(self, action: cloudwatch.IAlarmAction) -> None:
        """Notify ``action`` from every alarm of the topic, those of dead-letter queues added later too.

        Without ``alarm_action`` the topic has no alarm (one that notifies nobody is a compliance
        finding, not a signal); the first action given here creates them.
        """
        checked = props.interface("action", action, ["bind"], "a cloudwatch.IAlarmAction (e.g. SnsAction)")
        self._alarms.add_action(checked)

    @property
    def queue_key(self) -> kms.IKey | None:
        """The key of the topic's queues (``key`` when it was given); ``None`` until a queue is needed."""
        return self._queues.key

    @property
    def subscription_dead_letter_queue(self) -> sqs.Queue | None:
        """Where SNS sends what it gives up on, for every subscription; ``None`` until the first one."""
        return self._queues.subscription_dead_letter_queue

    @property
    def shared_dead_letter_queue(self) -> sqs.Queue | None:
        """The dead-letter queue of queues with ``dead_letter_queue="shared"``; ``None`` until the first."""
        return self._queues.shared_dead_letter_queue

    # ----------------------------------------------------------------------------------------
    # publishers, grants, metrics

    @reports_errors
    def allow_service_publisher(self, principal: str) -> None:
        """Let the AWS service ``principal`` (e.g. ``"budgets.amazonaws.com"``) publish to the topic.

        The topic policy allows ``sns:Publish`` and the key policy ``kms:GenerateDataKey*`` and
        ``kms:Decrypt``, as the service's page says (:data:`buttress.rules.fanout.SERVICE_PUBLISHERS`):
        with ``aws:SourceAccount`` = this stack's account where the service supports it, so another
        account cannot make the service publish here (confused deputy); EventBridge supports no
        condition there, so its statements have none.
        """
        check_service_principal("principal", principal)
        key_statement, topic_statement = publisher_statements(principal, Stack.of(self).account, self.topic.topic_arn)
        self._key_policies.add_statement(self.key, key_statement)
        self._key_policies.add_topic_statement(topic_statement)

    @reports_errors
    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish: ``sns:Publish`` on the topic, ``kms:GenerateDataKey`` + ``kms:Decrypt`` on its key.

        Exactly the two key actions SNS needs to encrypt what a publisher sends, not aws-cdk-lib's
        ``kms:GenerateDataKey*`` (``Topic.grant_publish``), so the grantee stays cdk-nag clean.
        """
        props.interface("grantee", grantee, ["grant_principal"], "an iam.IGrantable (a role, a function)")
        if self._existing is not None:
            return self._existing.grant_publish(grantee)
        assert self.key is not None  # a topic of its own always has a key
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
        return self.topic.metric(
            metric_name, statistic="Sum", period=metric_period(period), account=self._metrics_account
        )

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
    # subscribers (built in subscriptions.py)

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
        given = QueueSubscriberProps(
            queue=queue,
            filter_policy=filter_policy,
            filter_scope=filter_scope,
            raw_message_delivery=raw_message_delivery,
            dead_letter_queue=dead_letter_queue,
            max_receive_count=max_receive_count,
            queue_name=queue_name,
            visibility_timeout=visibility_timeout,
        )
        return self._subscribers.add_queue(id_, given)

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
        given = FunctionSubscriberProps(function=function, filter_policy=filter_policy, filter_scope=filter_scope)
        return self._subscribers.add_function(id_, given)

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
        given = HttpsSubscriberProps(
            url=url,
            delivery_policy=delivery_policy,
            filter_policy=filter_policy,
            filter_scope=filter_scope,
            raw_message_delivery=raw_message_delivery,
        )
        return self._subscribers.add_https_endpoint(id_, given)

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
        given = FirehoseSubscriberProps(
            delivery_stream=delivery_stream,
            filter_policy=filter_policy,
            filter_scope=filter_scope,
            raw_message_delivery=raw_message_delivery,
        )
        return self._subscribers.add_firehose(id_, given)

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
        given = EmailSubscriberProps(
            address=address, filter_policy=filter_policy, filter_scope=filter_scope, json_format=json_format
        )
        return self._subscribers.add_email(id_, given)

    # ----------------------------------------------------------------------------------------
    # routing

    @reports_errors
    def route(self, *, attributes: Mapping[str, Any] | None = None, body: Any = None) -> list[str]:
        """Ids of the subscriptions that would receive this message, in the order they were added.

        ``attributes`` take the boto3 ``publish`` shape or plain values (see
        :func:`buttress.filter_policy.matches`); ``body`` is the message (JSON text or a dict)
        for subscriptions filtering on ``MessageBody``.
        """
        checked = check_route_attributes(attributes)
        try:
            return [
                s.id
                for s in self.subscribers
                if matches(s.filter_policy, attributes=checked, body=body, scope=s.filter_scope)
            ]
        except ButtressError:
            raise
        except (TypeError, ValueError) as error:
            # What matches() cannot read (an attribute value of no SNS data type, a body that is not
            # JSON) is the caller's mistake: say so as the other prop errors do.
            raise invalid("attributes" if checked else "body", checked or body, str(error)) from None
