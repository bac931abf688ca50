"""``BudgetKillSwitch``: the budget, its notifications, the alert topic and the native Budgets action."""

from __future__ import annotations

import re

from aws_cdk.assertions import Match, Template

from tests.kill_switch.helpers import EMAILS, actions_of, build_switch, config_of, one, policy_of


def test_budget_monthly_usd_with_tag_and_service_filters(template: Template) -> None:
    budget = one(template, "AWS::Budgets::Budget")["Properties"]["Budget"]
    # The given name, then the digest of the notification settings (tests/kill_switch/test_budget_updates.py).
    assert re.fullmatch(r"beta-[0-9a-f]{8}", budget["BudgetName"])
    assert budget["BudgetType"] == "COST"
    assert budget["TimeUnit"] == "MONTHLY"
    assert budget["BudgetLimit"] == {"Amount": 2, "Unit": "USD"}
    assert budget["CostFilters"] == {
        "TagKeyValue": ["user:Project$Beta"],
        "Service": ["Amazon Elastic Compute Cloud - Compute"],
    }


def test_forecast_warns_people_and_actual_breach_engages(template: Template) -> None:
    notes = one(template, "AWS::Budgets::Budget")["Properties"]["NotificationsWithSubscribers"]
    by_type = {n["Notification"]["NotificationType"]: n for n in notes}
    forecast, actual = by_type["FORECASTED"], by_type["ACTUAL"]
    assert forecast["Notification"] == {
        "ComparisonOperator": "GREATER_THAN",
        "NotificationType": "FORECASTED",
        "Threshold": 80,
        "ThresholdType": "PERCENTAGE",
    }
    assert [s["SubscriptionType"] for s in forecast["Subscribers"]] == ["EMAIL", "EMAIL"]
    assert actual["Notification"]["Threshold"] == 100
    sns = [s for s in actual["Subscribers"] if s["SubscriptionType"] == "SNS"]
    assert len(sns) == 1
    assert sns[0]["Address"]["Ref"].startswith("SwitchAlertTopic")
    assert sorted(s["Address"] for s in actual["Subscribers"] if s["SubscriptionType"] == "EMAIL") == sorted(EMAILS)


def test_budget_created_after_the_topic_policies(template: Template) -> None:
    budget = one(template, "AWS::Budgets::Budget")
    depends = budget["DependsOn"]
    assert any(d.startswith("SwitchAlertTopicPolicy") for d in depends)
    assert any(d.startswith("SwitchAlertTopicKey") for d in depends)


def test_alert_topic_accepts_budgets_only_for_this_account(template: Template) -> None:
    policies = template.find_resources("AWS::SNS::TopicPolicy")
    alert = [p for p in policies.values() if p["Properties"]["Topics"][0]["Ref"].startswith("SwitchAlertTopic")]
    statements = alert[0]["Properties"]["PolicyDocument"]["Statement"]
    budgets = [s for s in statements if s.get("Principal") == {"Service": "budgets.amazonaws.com"}]
    assert len(budgets) == 1
    assert budgets[0]["Action"] == "sns:Publish"
    assert budgets[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    keys = template.find_resources("AWS::KMS::Key")
    alert_key = next(v for k, v in keys.items() if k.startswith("SwitchAlertTopicKey"))
    key_statements = alert_key["Properties"]["KeyPolicy"]["Statement"]
    budgets_key = [s for s in key_statements if s.get("Principal") == {"Service": "budgets.amazonaws.com"}]
    assert len(budgets_key) == 1
    assert set(budgets_key[0]["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert budgets_key[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_engage_function_subscribed_to_alert_topic(template: Template) -> None:
    subs = template.find_resources("AWS::SNS::Subscription", {"Properties": {"Protocol": "lambda"}})
    (sub,) = subs.values()
    assert sub["Properties"]["TopicArn"]["Ref"].startswith("SwitchAlertTopic")
    assert sub["Properties"]["Endpoint"]["Fn::GetAtt"][0].startswith("SwitchEngage")


def test_operators_get_summaries_by_email(template: Template) -> None:
    emails = template.find_resources("AWS::SNS::Subscription", {"Properties": {"Protocol": "email"}})
    assert sorted(s["Properties"]["Endpoint"] for s in emails.values()) == sorted(EMAILS)
    assert all(s["Properties"]["TopicArn"]["Ref"].startswith("SwitchOperatorTopic") for s in emails.values())


def test_native_budgets_action() -> None:
    _, switch, template = build_switch(native_iam_action=True)
    action = one(template, "AWS::Budgets::BudgetsAction")["Properties"]
    assert action["ActionType"] == "APPLY_IAM_POLICY"
    assert action["ApprovalModel"] == "AUTOMATIC"
    assert action["NotificationType"] == "ACTUAL"
    assert action["ActionThreshold"] == {"Type": "PERCENTAGE", "Value": 100}
    definition = action["Definition"]["IamActionDefinition"]
    assert definition["Groups"] == ["beta-devs"]
    assert definition["Roles"] == ["beta-ci"]
    assert "Users" not in definition
    assert definition["PolicyArn"]["Ref"].startswith("SwitchDenyPolicy")
    role = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"Description": Match.string_like_regexp("Budgets")}}
    )
    (trust,) = [r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0] for r in role.values()]
    assert trust["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    role_policy = policy_of(template, "SwitchBudgetActionRole")
    assert {a for s in role_policy for a in actions_of(s)} == {
        "iam:AttachGroupPolicy",
        "iam:DetachGroupPolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
    }
    # AWS does the IAM part: the functions do not, and hold no IAM permissions.
    assert config_of(template, "kill_switch.engage.handler").actions == (
        "lambda",
        "ecs",
        "ec2",
        "rds",
        "rds-cluster",
        "asg",
        "sagemaker",
        "eks-nodegroup",
        "apprunner",
    )
    engage_actions = {a for s in policy_of(template, "SwitchEngageRole") for a in actions_of(s)}
    assert not any(a.startswith("iam:") for a in engage_actions)
    assert switch.budget_action is not None


def test_thresholds_and_generated_budget_name() -> None:
    _, switch, template = build_switch(forecast_percent=50, actual_percent=120, budget_name=None)
    notes = one(template, "AWS::Budgets::Budget")["Properties"]["NotificationsWithSubscribers"]
    assert sorted(n["Notification"]["Threshold"] for n in notes) == [50, 120]
    # Env-agnostic: account and region are references, resolved at deploy (tests/test_kill_switch_rules.py).
    assert switch.budget_name.startswith("TestSwitch")
    assert re.fullmatch(
        r"TestSwitch66D8D13E-TOKEN-TOKEN-[0-9a-f]{8}", config_of(template, "kill_switch.engage.handler").budget_name
    )
