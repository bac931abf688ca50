"""The alarms of a ``FanoutTopic``: failed notifications and messages waiting in a dead-letter queue.

One convention across buttress's constructs (the one ``VpcCodeBuild`` set): an alarm exists only
when it notifies someone. Without ``alarm_action`` the topic creates no alarm, since an alarm
without an action is a compliance finding (cdk-nag's CloudWatch alarm-action rules, Control Tower)
and a signal nobody receives; :meth:`TopicAlarms.add_action` creates them later, with the action.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from buttress.parts import nag

_FAILED = "NotificationsFailedAlarm"


def alarm(
    scope: Construct, id_: str, metric: cloudwatch.IMetric, description: str, actions: list[cloudwatch.IAlarmAction]
) -> cloudwatch.Alarm:
    """An alarm on any count above zero (missing data is not breaching), notifying ``actions``."""
    created = cloudwatch.Alarm(
        scope,
        id_,
        metric=metric,
        threshold=0,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=1,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
    created.add_alarm_action(*actions)
    return created


class TopicAlarms:
    """The alarms of one topic, in ``scope`` (the topic construct), created once there is an action.

    :param action: ``alarm_action`` as given (``None``: no alarm until :meth:`add_action`).
    :param failed_metric: builds the ``NumberOfNotificationsFailed`` metric.
    :param dead_letter_alarms: where each dead-letter queue's alarm is recorded, by queue id.
    :param topic_elsewhere: called instead of creating the failed-notification alarm, for a topic
        whose metrics are in another account (``None``: the alarm is created).
    """

    def __init__(
        self,
        scope: Construct,
        action: cloudwatch.IAlarmAction | None,
        failed_metric: Callable[[], cloudwatch.IMetric],
        dead_letter_alarms: dict[str, cloudwatch.Alarm],
        topic_elsewhere: Callable[[], None] | None = None,
    ) -> None:
        self._scope = scope
        self._topic_elsewhere = topic_elsewhere
        self._failed_metric = failed_metric
        self._actions: list[cloudwatch.IAlarmAction] = []
        self._queues: dict[str, sqs.IQueue] = {}
        self.dead_letter_alarms = dead_letter_alarms
        #: The alarm on failed notifications (``None`` while no action is known).
        self.failed: cloudwatch.Alarm | None = None
        if action is not None:
            self.add_action(action)

    def add_action(self, action: cloudwatch.IAlarmAction) -> None:
        """Notify ``action`` too; the first action creates the alarms (those of later queues follow)."""
        if not self._actions:
            self._actions.append(action)
            if self._topic_elsewhere is not None:
                self._topic_elsewhere()
            else:
                self.failed = alarm(
                    self._scope,
                    _FAILED,
                    self._failed_metric(),
                    "SNS gave up delivering a notification of this topic (delivery policy exhausted)",
                    self._actions,
                )
            for name, queue in self._queues.items():
                self._dead_letter_alarm(name, queue)
            return
        self._actions.append(action)
        for existing in [self.failed, *self.dead_letter_alarms.values()]:
            if existing is not None:
                existing.add_alarm_action(action)

    def watch_dead_letter_queue(self, name: str, queue: sqs.IQueue) -> None:
        """The dead-letter queue ``name``: its alarm ``<name>Alarm`` once there is an action."""
        nag.acknowledge_rule(
            queue,
            "SQSRedrivePolicy",
            "This queue is a dead-letter queue (the alarm below watches it); a dead-letter queue needs no "
            "redrive policy of its own: a message that reaches it stays until an operator redrives it.",
            guard=["sqs_dlq_check"],
        )
        self._queues[name] = queue
        if self._actions:
            self._dead_letter_alarm(name, queue)

    def _dead_letter_alarm(self, name: str, queue: sqs.IQueue) -> None:
        self.dead_letter_alarms[name] = alarm(
            self._scope,
            f"{name}Alarm",
            queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=Duration.minutes(5)),
            f"Messages are waiting in dead-letter queue {name} of {self._scope.node.path}",
            self._actions,
        )
