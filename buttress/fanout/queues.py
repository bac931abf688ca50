"""The queues a ``FanoutTopic`` creates: subscriber queues, their key and their dead-letter queues.

The queue key, the subscriptions' dead-letter queue and the shared dead-letter queue are created
with the first subscriber that needs them, so a topic without queues has none of them.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from buttress.fanout.alarms import TopicAlarms
from buttress.fanout.key_policy import KeyPolicies, new_key
from buttress.parts import nag
from buttress.rules.fanout import RESOURCES_PER_SUBSCRIBER

_DEAD_LETTER_RETENTION = Duration.days(14)


class SubscriberQueues:
    """Creates the queues of one topic, in ``scope`` (the topic construct).

    :param fifo: the topic is FIFO (so are its queues).
    :param shared_key: the key given to the topic (``key=``), which then encrypts the queues too.
        ``None``: a queue key of the topic's own (``QueueKey``).
    :param key_policies: where SNS is allowed to use the queue key.
    :param alarms: the topic's alarms (each dead-letter queue gets one once there is an action).
    :param removal_policy: of the queue key, when the topic creates one.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        fifo: bool,
        shared_key: kms.IKey | None,
        key_policies: KeyPolicies,
        alarms: TopicAlarms,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        self._scope = scope
        self._removal_policy = removal_policy
        self._fifo = fifo
        self._shared_key = shared_key
        self._key_policies = key_policies
        self._alarms = alarms
        #: The key of the queues (``None`` until a queue is needed).
        self.key: kms.IKey | None = None
        #: Where SNS sends what it gives up on (``None`` until the first subscription).
        self.subscription_dead_letter_queue: sqs.Queue | None = None
        #: The dead-letter queue of the queues with ``dead_letter_queue="shared"`` (``None`` until one).
        self.shared_dead_letter_queue: sqs.Queue | None = None

    def first_costs(self, *, shared_dlq: bool = False) -> int:
        """Resources the next subscriber adds besides its own: what it is the first to need."""
        cost = 0
        if self.subscription_dead_letter_queue is None:
            cost += RESOURCES_PER_SUBSCRIBER["first_subscription_dlq"]
        if self.key is None and self._shared_key is None:
            cost += RESOURCES_PER_SUBSCRIBER["first_queue_key"]
        if shared_dlq and self.shared_dead_letter_queue is None:
            cost += RESOURCES_PER_SUBSCRIBER["first_subscription_dlq"]
        return cost

    def queue_key(self) -> kms.IKey:
        """The key of the queues, created (or the shared key taken) the first time."""
        if self.key is None:
            if self._shared_key is not None:
                self.key = self._shared_key
            else:
                self.key = new_key(
                    self._scope,
                    "QueueKey",
                    f"SQS queues subscribed to SNS topic {self._scope.node.path}",
                    removal_policy=self._removal_policy,
                )
            # SNS encrypts what it delivers to these queues (and to the subscription dead-letter
            # queue, whatever the protocol) with this key, for this topic only.
            self._key_policies.allow_sns(self.key)
        return self.key

    def new_queue(
        self,
        id_: str,
        *,
        queue_name: str | None = None,
        visibility_timeout: Duration | None = None,
        retention: Duration | None = None,
        dead_letter: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        """A queue encrypted with the queue key, TLS only."""
        return sqs.Queue(
            self._scope,
            id_,
            queue_name=queue_name,
            fifo=self._fifo or None,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.queue_key(),
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=retention,
            dead_letter_queue=dead_letter,
        )

    def subscription_dlq(self) -> sqs.Queue:
        """The dead-letter queue of every subscription of the topic, created the first time."""
        if self.subscription_dead_letter_queue is None:
            dlq = self.new_queue("SubscriptionDeadLetterQueue", retention=_DEAD_LETTER_RETENTION)
            nag.acknowledge(
                dlq,
                "AwsSolutions-SQS3",
                "This queue is the dead-letter queue of the topic's SNS subscriptions (their "
                "RedrivePolicy); a dead-letter queue needs no dead-letter queue of its own",
            )
            self._alarm("SubscriptionDeadLetterQueue", dlq)
            self.subscription_dead_letter_queue = dlq
        return self.subscription_dead_letter_queue

    def shared_dlq(self) -> sqs.Queue:
        """The dead-letter queue queues share (``dead_letter_queue="shared"``), created the first time."""
        if self.shared_dead_letter_queue is None:
            dlq = self.new_queue("SharedQueueDeadLetterQueue", retention=_DEAD_LETTER_RETENTION)
            self._alarm("SharedQueueDeadLetterQueue", dlq)
            self.shared_dead_letter_queue = dlq
        return self.shared_dead_letter_queue

    def own_dlq(self, queue_id: str) -> sqs.Queue:
        """A dead-letter queue for the queue ``queue_id`` alone, with its alarm."""
        dlq = self.new_queue(f"{queue_id}-DeadLetterQueue", retention=_DEAD_LETTER_RETENTION)
        self._alarm(f"{queue_id}-DeadLetterQueue", dlq)
        return dlq

    def _alarm(self, name: str, queue: sqs.IQueue) -> None:
        self._alarms.watch_dead_letter_queue(name, queue)
