"""Issue 25 at synth: tripwire alarms, stages, daily budgets, the service control policy, and the
props each refuses."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk.assertions import Template

from buttress.errors import ButtressError
from buttress.kill_switch import Stage, Tripwire
from tests.kill_switch.helpers import actions_of, add_switch, build_switch, config_of, one, policy_of

STAGES = [
    Stage(80, forecast=True),
    Stage(100, kinds=["lambda", "ecs"]),
    Stage(120, kinds=["lambda", "ecs", "ec2", "rds", "iam"], name="everything"),
]


def env_stack(account: str = "111122223333", region: str = "us-east-1") -> Stack:
    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    return Stack(app, "Env", env=Environment(account=account, region=region))


def test_tripwire_alarm_publishes_to_the_alert_topic_and_is_configured() -> None:
    _, switch, template = build_switch(tripwires=[Tripwire.lambda_invocations(per_period=100_000)])
    alarm = one(
        template,
        "AWS::CloudWatch::Alarm",
        lambda r: r["Properties"].get("AlarmName") == f"{switch.budget_name}-tripwire-lambda-invocations",
    )
    props = alarm["Properties"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/Lambda", "Invocations", "Sum")
    assert (props["Period"], props["EvaluationPeriods"], props["Threshold"]) == (300, 1, 100_000)
    assert props["TreatMissingData"] == "notBreaching"
    assert props["AlarmActions"] == [{"Ref": template.to_json() and _ref(template, "AlertTopic")}]
    engage = config_of(template, "kill_switch.engage.handler")
    # The budget's full name ends with the digest of its notifications (issue 27 item 1).
    assert switch.budget_name.startswith("beta-")
    assert engage.tripwires == ((f"{switch.budget_name}-tripwire-lambda-invocations", "lambda-invocations", ""),)
    # CloudWatch may publish to the encrypted alert topic, for this account only.
    policies = template.find_resources("AWS::SNS::TopicPolicy")
    assert "cloudwatch.amazonaws.com" in str(policies) and "aws:SourceAccount" in str(policies)
    assert len(switch.tripwire_alarms) == 1


def _ref(template: Template, fragment: str) -> str:
    (logical,) = [k for k in template.find_resources("AWS::SNS::Topic") if fragment in k]
    return logical


def test_nat_gateway_tripwire_sums_both_directions() -> None:
    _, _, template = build_switch(tripwires=[Tripwire.nat_gateway_bytes("nat-0abc", bytes_per_period=5e9)])
    alarm = one(template, "AWS::CloudWatch::Alarm", lambda r: "tripwire" in str(r["Properties"].get("AlarmName")))
    metrics = alarm["Properties"]["Metrics"]
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in metrics if "MetricStat" in m}
    assert names == {"BytesInFromSource", "BytesInFromDestination"}


def test_ec2_family_tripwire_counts_the_family_class() -> None:
    tripwire = Tripwire.ec2_running_instances(family="p4d", vcpus=96)
    assert dict(tripwire.metrics[0].dimensions)["Class"] == "P/OnDemand"
    assert tripwire.detection_minutes == 2
    with pytest.raises(ButtressError, match="family"):
        Tripwire.ec2_running_instances(family="???", vcpus=1)


def test_detection_delay_is_period_times_evaluations_plus_metric_delay() -> None:
    tripwire = Tripwire.metric(
        "queue",
        namespace="AWS/SQS",
        metric_name="NumberOfMessagesSent",
        threshold=1e6,
        period=Duration.minutes(5),
        evaluation_periods=3,
        metric_delay=Duration.minutes(5),
    )
    assert tripwire.detection_minutes == 20


def test_estimated_charges_refused_outside_us_east_1() -> None:
    with pytest.raises(ButtressError, match="us-east-1"):
        add_switch(env_stack(region="eu-west-1"), tripwires=[Tripwire.estimated_charges(usd=50)])
    add_switch(env_stack(region="us-east-1"), tripwires=[Tripwire.estimated_charges(usd=50)])


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"tripwires": "lambda"}, "tripwires"),
        ({"tripwires": [Tripwire.lambda_concurrency(executions=900)] * 2}, "distinct"),
        ({"tripwires": [Tripwire.lambda_concurrency(executions=900, stage="nope")]}, "stage"),
        ({"stages": [Stage(100, kinds=["lambda"]), Stage(90, kinds=["ecs"])]}, "escalate"),
        ({"stages": [Stage(100, kinds=["lambda"]), Stage(101, kinds=["ecs"])]}, "at least 102"),
        ({"stages": [Stage(100, kinds=["lambda"], forecast=True)]}, "forecast"),
        ({"stages": [Stage(100, kinds=["ec3"])]}, "one of"),
        ({"stages": [Stage(100, kinds=["lambda"])], "lambda_functions": False}, "acts on"),
        ({"stages": [Stage(80, forecast=True)], "period": "DAILY"}, "DAILY"),
        ({"period": "WEEKLY"}, "MONTHLY"),
        ({"scp_targets": ["123456789012"]}, "break_glass_role"),
        ({"scp_targets": ["12345"], "break_glass_role": "BreakGlass"}, "account id"),
    ],
)
def test_refusals(overrides: dict[str, Any], match: str) -> None:
    with pytest.raises(ButtressError, match=match):
        build_switch(**overrides)


def test_stages_are_budget_notifications_and_runtime_stages() -> None:
    _, _, template = build_switch(stages=STAGES)
    budget = one(template, "AWS::Budgets::Budget")
    notes = [
        (
            n["Notification"]["NotificationType"],
            n["Notification"]["Threshold"],
            any(s["SubscriptionType"] == "SNS" for s in n["Subscribers"]),
        )
        for n in budget["Properties"]["NotificationsWithSubscribers"]
    ]
    assert notes == [("FORECASTED", 80, False), ("ACTUAL", 100, True), ("ACTUAL", 120, True)]
    engage = config_of(template, "kill_switch.engage.handler")
    assert [(name, percent) for name, percent, _ in engage.stages] == [("stage-100", 100.0), ("everything", 120.0)]
    assert "rds-cluster" in engage.stages[1][2]


def test_daily_budget_has_no_forecast() -> None:
    _, _, template = build_switch(period="DAILY")
    budget = one(template, "AWS::Budgets::Budget")["Properties"]
    assert budget["Budget"]["TimeUnit"] == "DAILY"
    assert [n["Notification"]["NotificationType"] for n in budget["NotificationsWithSubscribers"]] == ["ACTUAL"]


def test_scp_policy_unattached_and_permissions_scoped() -> None:
    _, switch, template = build_switch(scp_targets=["ou-ab12-cdef3456", "222233334444"], break_glass_role="BreakGlass")
    policy = one(template, "AWS::Organizations::Policy")["Properties"]
    assert "TargetIds" not in policy and policy["Type"] == "SERVICE_CONTROL_POLICY"
    statement = policy["Content"]["Statement"][0]
    assert statement["Effect"] == "Deny" and statement["Action"] == "*"
    assert "role/BreakGlass" in str(statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
    for role, sid, action in (
        ("Engage", "AttachScp", "organizations:AttachPolicy"),
        ("Restore", "DetachScp", "organizations:DetachPolicy"),
    ):
        (found,) = [s for s in policy_of(template, role) if s.get("Sid") == sid]
        assert actions_of(found) == [action]
        assert found["Condition"] == {"StringEquals": {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}}
        assert any("ou/o-*/ou-ab12-cdef3456" in str(r) for r in found["Resource"])
    engage = config_of(template, "kill_switch.engage.handler")
    assert engage.scp_targets == ("ou-ab12-cdef3456", "222233334444")
    assert "scp" in [k.value for k in engage.actions]
    assert switch.scp_policy is not None


def test_scp_target_refused_when_it_is_the_stack_account() -> None:
    with pytest.raises(ButtressError, match="management"):
        add_switch(env_stack(account="111122223333"), scp_targets=["111122223333"], break_glass_role="BreakGlass")


def test_without_issue_25_props_the_configuration_is_unchanged() -> None:
    _, _, template = build_switch()
    engage = config_of(template, "kill_switch.engage.handler")
    assert engage.tripwires == () and engage.stages == () and engage.scp_targets == ()
    assert not template.find_resources("AWS::Organizations::Policy")


def _chat_template(**chat: Any) -> Template:
    from buttress.kill_switch import ChatChannel

    channel = ChatChannel.slack(workspace_id="T0123ABCD", channel_id="C0123ABCD", **chat)
    _, switch, template = build_switch(chat=channel)
    assert switch.chat_channel is not None and switch.chat_guardrail is not None
    return template


def test_chat_channel_reads_the_operator_topic_and_cannot_restore_by_default() -> None:
    template = _chat_template()
    channel = one(template, "AWS::Chatbot::SlackChannelConfiguration")["Properties"]
    (topic,) = channel["SnsTopicArns"]
    assert "OperatorTopic" in topic["Ref"]
    (guardrail,) = [p for p in template.find_resources("AWS::IAM::ManagedPolicy").values() if "Guardrail" in str(p)]
    statement = guardrail["Properties"]["PolicyDocument"]["Statement"][0]
    assert (statement["Effect"], statement["Action"]) == ("Deny", "lambda:InvokeFunction")
    assert "Restore" in str(statement["Resource"])
    assert not [s for s in template.find_resources("AWS::IAM::Policy").values() if "ChatRole" in str(s)]
    assert config_of(template, "kill_switch.engage.handler").chat is True


def test_chat_restore_allowed_only_on_purpose() -> None:
    template = _chat_template(allow_restore=True)
    (policy,) = [p for p in template.find_resources("AWS::IAM::Policy").values() if "ChatRole" in str(p)]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "lambda:InvokeFunction")


def test_chat_ids_checked() -> None:
    from buttress.kill_switch import ChatChannel

    with pytest.raises(ButtressError, match="Slack id"):
        ChatChannel.slack(workspace_id="my workspace", channel_id="C1")
    with pytest.raises(ButtressError, match="UUID"):
        ChatChannel.teams(team_id="x", tenant_id="y", channel_id="19%3Aabc%40thread.tacv2")
    with pytest.raises(ButtressError, match="chat"):
        build_switch(chat="#ops")


@pytest.mark.parametrize("account", [None, "111122223333"], ids=["env-agnostic", "explicit-env"])
def test_every_compliance_plugin_passes_with_all_of_issue_25(account: str | None) -> None:
    """Tripwires, stages, the SCP and chat together: every plugin of ``make synth`` passes."""
    from aws_cdk import Validations

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from buttress.compliance import plugins
    from buttress.kill_switch import ChatChannel

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    env = Environment(account=account, region="us-east-1") if account else None
    stack = Stack(app, "S", env=env)
    add_switch(
        stack,
        tripwires=[
            Tripwire.lambda_invocations(per_period=100_000),
            Tripwire.nat_gateway_bytes("nat-0abc", bytes_per_period=5e9, stage="everything"),
        ],
        stages=STAGES,
        scp_targets=["ou-ab12-cdef3456", "222233334444"],
        break_glass_role="BreakGlass",
        chat=ChatChannel.slack(workspace_id="T0123ABCD", channel_id="C0123ABCD", allow_restore=True),
    )
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding
