"""Issue 22 item 8: one alarm convention, VpcCodeBuild's: an alarm exists only when it notifies someone.

A default-props FanoutTopic created four alarms without an action (failed notifications and three
dead-letter queues), each a compliance finding (cdk-nag CloudWatchAlarmAction, Control Tower).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, assertions
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns

from buttress import FanoutTopic
from tests.harness import new_stack, resources_of_type


def _alarms(stack: Stack) -> dict[str, dict[str, Any]]:
    return resources_of_type(dict(assertions.Template.from_stack(stack).to_json()), "AWS::CloudWatch::Alarm")


def _subscribers(fanout: FanoutTopic) -> None:
    fanout.add_queue("A")
    fanout.add_queue("B", dead_letter_queue="shared")


def test_without_alarm_action_the_topic_creates_no_alarm() -> None:
    stack = new_stack("Alarms")
    fanout = FanoutTopic(stack, "Orders")
    _subscribers(fanout)
    assert _alarms(stack) == {}
    assert fanout.failed_alarm is None
    assert fanout.dead_letter_alarms == {}


def test_with_alarm_action_every_alarm_notifies_it() -> None:
    stack = new_stack("Alarms")
    ops = sns.Topic(stack, "Ops")
    fanout = FanoutTopic(stack, "Orders", alarm_action=cw_actions.SnsAction(ops))
    _subscribers(fanout)
    alarms = _alarms(stack)
    assert len(alarms) == 4  # failed notifications, subscription DLQ, A's DLQ, the shared DLQ
    assert fanout.failed_alarm is not None and len(fanout.dead_letter_alarms) == 3
    assert all(len(a["Properties"]["AlarmActions"]) == 1 for a in alarms.values())


def test_add_alarm_action_creates_the_alarms_of_earlier_and_later_queues() -> None:
    stack = new_stack("Alarms")
    ops = sns.Topic(stack, "Ops")
    fanout = FanoutTopic(stack, "Orders")
    fanout.add_queue("A")
    fanout.add_alarm_action(cw_actions.SnsAction(ops))
    fanout.add_queue("B", dead_letter_queue="shared")
    alarms = _alarms(stack)
    assert len(alarms) == 4
    assert sorted(fanout.dead_letter_alarms) == [
        "A-DeadLetterQueue",
        "SharedQueueDeadLetterQueue",
        "SubscriptionDeadLetterQueue",
    ]
    assert all(len(a["Properties"]["AlarmActions"]) == 1 for a in alarms.values())


def test_a_second_action_reaches_every_alarm() -> None:
    stack = new_stack("Alarms")
    first, second = sns.Topic(stack, "Ops"), sns.Topic(stack, "Pager")
    fanout = FanoutTopic(stack, "Orders", alarm_action=cw_actions.SnsAction(first))
    fanout.add_queue("A")
    fanout.add_alarm_action(cw_actions.SnsAction(second))
    assert all(len(a["Properties"]["AlarmActions"]) == 2 for a in _alarms(stack).values())
