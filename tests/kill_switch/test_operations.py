"""``BudgetKillSwitch``: grants, the metric and the alarms: what operators use."""

from __future__ import annotations

import json

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from buttress import BudgetKillSwitch
from tests.harness import new_stack
from tests.kill_switch.helpers import actions_of, add_switch, one, policy_of


def test_grants_for_operators() -> None:
    stack = new_stack()
    switch = add_switch(stack)
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    switch.grant_drill(operator)
    switch.grant_restore(operator)
    statements = policy_of(Template.from_stack(stack), "Operator")
    by_action = {a: s for s in statements for a in actions_of(s)}
    assert by_action["sns:Publish"]["Resource"]["Ref"].startswith("SwitchAlertTopic")
    assert by_action["kms:Decrypt"]["Resource"]["Fn::GetAtt"][0].startswith("SwitchAlertTopicKey")
    invoke = json.dumps(by_action["lambda:InvokeFunction"]["Resource"])
    assert "SwitchRestore" in invoke
    assert "SwitchEngage" not in invoke


def test_errors_alarm_notifies_operators(template: Template) -> None:
    alarm = one(
        template,
        "AWS::CloudWatch::Alarm",
        lambda r: r["Properties"].get("MetricName") == "Errors" and r["Properties"].get("Namespace") == "AWS/Lambda",
    )
    assert alarm["Properties"]["AlarmActions"][0]["Ref"].startswith("SwitchOperatorTopic")


def test_alarm_action_is_used_by_every_alarm_the_switch_creates() -> None:
    stack = new_stack()
    ops = sns.Topic(stack, "Ops")
    add_switch(stack, alarm_action=cloudwatch_actions.SnsAction(ops))
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 3  # engage errors, and each topic's delivery failures
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [stack.resolve(ops.topic_arn)]


def test_every_alarm_notifies_the_operator_topic_by_default(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    """CT.CLOUDWATCH.PR.1: no alarm without an action, so a failed Budgets -> switch delivery is seen."""
    stack, switch, template = built
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 3
    operator = stack.resolve(switch.operator_topic.topic.topic_arn)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [operator]


def test_default_errors_alarm_notifies_the_operator_topic(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    stack, switch, template = built
    engage = one(template, "AWS::CloudWatch::Alarm", lambda r: "engage" in r["Properties"]["AlarmDescription"])
    assert engage["Properties"]["AlarmActions"] == [stack.resolve(switch.operator_topic.topic.topic_arn)]


def test_metric_engage_errors_takes_a_keyword_period(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    _, switch, _ = built
    assert switch.metric_engage_errors().period.to_minutes() == 5
    assert switch.metric_engage_errors(period=Duration.minutes(1)).period.to_minutes() == 1
