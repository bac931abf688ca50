"""One alarm convention (issue 22, item 8): every alarm the kill switch creates notifies someone.

By default the operator topic (whose subscribers are ``operator_emails``); with ``alarm_action``,
that action. No alarm of the switch is left without an action, whatever the props.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from tests.harness import new_stack
from tests.kill_switch.helpers import add_switch


def _alarms(template: Template) -> dict[str, Any]:
    alarms = dict(template.find_resources("AWS::CloudWatch::Alarm"))
    assert alarms
    return alarms


@pytest.mark.parametrize(
    "overrides",
    [{}, {"native_iam_action": True}, {"rds_databases": False, "iam_groups": [], "iam_roles": []}],
    ids=["default", "native", "fewer"],
)
def test_every_alarm_notifies_the_operator_topic_by_default(overrides: dict[str, Any]) -> None:
    stack = new_stack()
    add_switch(stack, **overrides)
    for name, alarm in _alarms(Template.from_stack(stack)).items():
        actions = alarm["Properties"].get("AlarmActions") or []
        assert actions, f"{name} notifies nobody"
        assert any(a.get("Ref", "").startswith("SwitchOperatorTopic") for a in actions), (name, actions)


def test_every_alarm_notifies_the_given_alarm_action() -> None:
    stack = new_stack()
    pager = sns.Topic(stack, "Pager")
    add_switch(stack, alarm_action=cloudwatch_actions.SnsAction(pager))
    for name, alarm in _alarms(Template.from_stack(stack)).items():
        actions = alarm["Properties"].get("AlarmActions") or []
        assert any(a.get("Ref", "").startswith("Pager") for a in actions), (name, actions)
