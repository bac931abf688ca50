"""The alarms of a ``FanoutTopic``: failed notifications and messages waiting in a dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from buttress.parts import nag


def alarm(
    scope: Construct, id_: str, metric: cloudwatch.IMetric, description: str, action: cloudwatch.IAlarmAction | None
) -> cloudwatch.Alarm:
    """An alarm on any count above zero (missing data is not breaching), notifying ``action`` if given."""
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
    if action is not None:
        created.add_alarm_action(action)
    return created


def dead_letter_alarm(
    scope: Construct, name: str, queue: sqs.IQueue, action: cloudwatch.IAlarmAction | None
) -> cloudwatch.Alarm:
    """The alarm ``<name>Alarm`` on messages waiting in the dead-letter queue ``queue``."""
    nag.acknowledge_rule(
        queue,
        "SQSRedrivePolicy",
        "This queue is a dead-letter queue (the alarm below watches it); a dead-letter queue needs no "
        "redrive policy of its own: a message that reaches it stays until an operator redrives it.",
        guard=["sqs_dlq_check"],
    )
    return alarm(
        scope,
        f"{name}Alarm",
        queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=Duration.minutes(5)),
        f"Messages are waiting in dead-letter queue {name} of {scope.node.path}",
        action,
    )
