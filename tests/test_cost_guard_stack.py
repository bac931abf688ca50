"""``ButtressCostGuard``: the seed's Project=Beta $2 budget with every kind of kill-switch action."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from stacks.cost_guard_stack import EMAIL_CONTEXT, PLACEHOLDER_EMAIL, CostGuardStack
from tests.harness import SynthResult, resources_of_type

STACK = "ButtressCostGuard"


def _engage_config(template: dict[str, Any]) -> dict[str, Any]:
    functions = resources_of_type(template, "AWS::Lambda::Function")
    (engage,) = [f for f in functions.values() if f["Properties"]["Handler"] == "kill_switch.engage.handler"]
    parts = engage["Properties"]["Environment"]["Variables"]["KILL_SWITCH_CONFIG"]["Fn::Join"][1]
    config: dict[str, Any] = json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))
    return config


def test_beta_budget_of_two_dollars(synth: SynthResult) -> None:
    (budget,) = resources_of_type(synth.templates[STACK], "AWS::Budgets::Budget").values()
    data = budget["Properties"]["Budget"]
    assert data["BudgetLimit"] == {"Amount": 2, "Unit": "USD"}
    assert data["CostFilters"]["TagKeyValue"] == ["user:Project$Beta"]
    assert data["CostFilters"]["Service"] == ["Amazon Elastic Compute Cloud - Compute"]
    emails = {
        s["Address"]
        for n in budget["Properties"]["NotificationsWithSubscribers"]
        for s in n["Subscribers"]
        if s["SubscriptionType"] == "EMAIL"
    }
    assert emails == {PLACEHOLDER_EMAIL}


def test_every_kind_against_project_beta(synth: SynthResult) -> None:
    config = _engage_config(synth.templates[STACK])
    assert config["actions"] == [
        "lambda",
        "ecs",
        "ec2",
        "iam",
        "rds",
        "rds-cluster",
        "asg",
        "sagemaker",
        "eks-nodegroup",
        "apprunner",
    ]
    rules = [r for r in synth.templates[STACK]["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    assert [r["Properties"]["ScheduleExpression"] for r in rules] == ["rate(1 day)"]  # the RDS re-stop
    assert (config["tag_key"], config["tag_value"]) == ("Project", "Beta")
    assert config["iam_groups"] == ["TOKEN"]  # the stack's Beta developers group
    assert config["dry_run"] is False


def test_outputs_restore_command_and_alert_topic(synth: SynthResult) -> None:
    outputs = synth.templates[STACK]["Outputs"]
    restore = json.dumps(outputs["RestoreCommand"]["Value"])
    assert "aws lambda invoke --function-name" in restore
    assert "confirm" in restore
    assert outputs["AlertTopicArn"]["Value"]["Ref"].startswith("BetaKillSwitchAlertTopic")


def test_operator_emails_from_context() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context(), EMAIL_CONTEXT: "a@example.com, b@example.com"})
    stack = CostGuardStack(app, "CostGuard")
    emails = Template.from_stack(stack).find_resources("AWS::SNS::Subscription", {"Properties": {"Protocol": "email"}})
    assert sorted(e["Properties"]["Endpoint"] for e in emails.values()) == ["a@example.com", "b@example.com"]
