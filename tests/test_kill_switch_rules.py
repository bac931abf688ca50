"""``buttress.rules.kill_switch``: the checks that catch what AWS would accept and then never act on."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template

from buttress import BudgetKillSwitch, ButtressError
from buttress.rules import kill_switch as rules

EMAILS = ["ops@example.com"]


def _check(**overrides: Any) -> rules.KillSwitchProps:
    props: dict[str, Any] = {
        "limit_usd": 2,
        "tag_key": "Project",
        "tag_value": "Beta",
        "operator_emails": EMAILS,
        "budget_name": None,
        "services": (),
        "forecast_percent": 80,
        "actual_percent": 100,
        "lambda_functions": True,
        "ecs_services": True,
        "ec2_instances": True,
        "rds_databases": True,
        "auto_scaling_groups": True,
        "sagemaker_notebooks": True,
        "eks_node_groups": True,
        "app_runner_services": True,
        "ec2_instance_store": False,
        "regions": None,
        "iam_groups": (),
        "iam_roles": (),
        "iam_users": (),
        "deny_actions": rules.DEFAULT_DENY_ACTIONS,
        "native_iam_action": False,
        "dry_run": False,
        "max_workers": 8,
        "reserved_concurrency": None,
        **overrides,
    }
    return rules.check(**props)


def _message(**overrides: Any) -> str:
    with pytest.raises(ButtressError) as caught:
        _check(**overrides)
    return str(caught.value)


# --- services: Cost Explorer names, the nearest one suggested ------------------------------------


def test_known_service_names_pass() -> None:
    names = ["Amazon Elastic Compute Cloud - Compute", "Amazon Relational Database Service", "AWS Lambda"]
    assert _check(services=names).services == tuple(names)


@pytest.mark.parametrize(
    ("given", "suggested"),
    [
        ("EC2", "Amazon Elastic Compute Cloud - Compute"),
        ("rds", "Amazon Relational Database Service"),
        ("Amazon Elastic Compute Cloud", "Amazon Elastic Compute Cloud - Compute"),
        ("Amazon Relational Database Services", "Amazon Relational Database Service"),
        ("AWS Lamda", "AWS Lambda"),
    ],
)
def test_unknown_service_name_suggests_the_nearest(given: str, suggested: str) -> None:
    assert _message(services=[given]) == (
        f"services={given!r} is invalid: did you mean {suggested!r}? a Cost Explorer service name as Budgets "
        "filters on it (a name Budgets does not know matches no cost: the budget stays at $0 and the switch "
        "never fires); known names are in buttress/data/cost-explorer-services.json"
    )


def test_service_name_far_from_any_has_no_suggestion() -> None:
    assert "did you mean" not in _message(services=["zzzz qqqq"])


def test_service_names_distinct() -> None:
    assert "distinct names" in _message(services=["AWS Lambda", "AWS Lambda"])


# --- thresholds: the forecast warning comes first ------------------------------------------------


def test_actual_below_forecast_refused() -> None:
    # The forecast warning is for people, the actual breach stops resources: warning at or below
    # the breach, else the first anyone hears is that things stopped.
    assert _message(forecast_percent=80, actual_percent=50) == (
        "actual_percent=50 is invalid: at least forecast_percent (80): the forecast warning must come "
        "before the breach that stops resources, not after it"
    )


def test_equal_thresholds_allowed() -> None:
    checked = _check(forecast_percent=100, actual_percent=100)
    assert checked.forecast_percent == checked.actual_percent == 100


# --- deny_actions: service:Action with a known prefix ---------------------------------------------


@pytest.mark.parametrize("action", ["ec2:RunInstances", "ec2:Start*", "rds:*", "sagemaker:Create?otebook*"])
def test_deny_actions_as_iam_allows(action: str) -> None:
    assert _check(deny_actions=[action]).deny_actions == (action,)


@pytest.mark.parametrize("action", ["RunInstances", "*", "ec2:", "ec2:Run-Instances", "ec2 :RunInstances", 7])
def test_deny_action_shape(action: object) -> None:
    assert _message(deny_actions=[action]) == (
        f"deny_actions={action!r} is invalid: an IAM action 'service:Action' ('*' and '?' wildcards in the action only)"
    )


def test_deny_action_unknown_prefix_suggests_the_nearest() -> None:
    assert _message(deny_actions=["ec22:RunInstances"]) == (
        "deny_actions='ec22:RunInstances' is invalid: did you mean 'ec2:RunInstances'? an action of a known "
        "IAM service prefix (buttress/data/iam-service-prefixes.json)"
    )
    assert "did you mean 'sagemaker:CreateNotebookInstance'" in _message(
        deny_actions=["sagemkr:CreateNotebookInstance"]
    )


# --- default budget name: unique per account and region ------------------------------------------


def test_default_budget_name_holds_account_and_region() -> None:
    name = rules.default_budget_name("Stack" + "X" * 200, "111122223333", "ap-southeast-3")
    assert name.endswith("-111122223333-ap-southeast-3")
    assert len(name) <= rules.MAX_BUDGET_NAME
    assert ":" not in name and "\\" not in name


def _explicit(region: str) -> BudgetKillSwitch:
    stack = Stack(App(), "Guard", env=Environment(account="111122223333", region=region))
    return BudgetKillSwitch(stack, "Switch", limit_usd=2, tag_key="Project", tag_value="Beta", operator_emails=EMAILS)


def test_default_budget_name_differs_by_region_and_is_valid() -> None:
    west, east = _explicit("eu-west-1"), _explicit("us-east-1")
    assert west.budget_name != east.budget_name
    assert re.search(r"-111122223333-eu-west-1-[0-9a-f]{8}$", west.budget_name)
    assert len(west.budget_name) <= 100


def test_default_budget_name_env_agnostic_uses_tokens() -> None:
    stack = Stack(App(), "Guard")
    switch = BudgetKillSwitch(stack, "Switch", limit_usd=2, tag_key="Project", tag_value="Beta", operator_emails=EMAILS)
    budget = next(iter(Template.from_stack(stack).find_resources("AWS::Budgets::Budget").values()))
    parts = budget["Properties"]["Budget"]["BudgetName"]["Fn::Join"][1]
    assert {"Ref": "AWS::AccountId"} in parts and {"Ref": "AWS::Region"} in parts
    assert rules.is_token(switch.budget_name)


# --- through the construct: the message starts with the construct path ---------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"services": ["EC2"]}, "Guard/Switch: services='EC2' is invalid: did you mean 'Amazon Elastic Compute"),
        ({"actual_percent": 50}, "Guard/Switch: actual_percent=50 is invalid: at least forecast_percent (80)"),
        ({"deny_actions": ["ec22:RunInstances"]}, "Guard/Switch: deny_actions='ec22:RunInstances' is invalid: did"),
    ],
)
def test_construct_messages_name_the_path(overrides: dict[str, Any], expected: str) -> None:
    stack = Stack(App(), "Guard")
    with pytest.raises(ButtressError) as caught:
        BudgetKillSwitch(
            stack,
            "Switch",
            limit_usd=2,
            tag_key="Project",
            tag_value="Beta",
            operator_emails=EMAILS,
            **overrides,
        )
    assert str(caught.value).startswith(expected)


def test_instance_store_needs_ec2_instances() -> None:
    assert _message(ec2_instances=False, ec2_instance_store=True) == (
        "ec2_instance_store=True is invalid: only with ec2_instances=True (no effect with ec2_instances=False)"
    )


def test_new_kinds_are_function_actions() -> None:
    assert _check().function_actions == (
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
    some = _check(lambda_functions=False, ecs_services=False, ec2_instances=False, auto_scaling_groups=False)
    assert some.function_actions == ("rds", "rds-cluster", "sagemaker", "eks-nodegroup", "apprunner")


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ("eu-west-1", "regions='eu-west-1' is invalid: None (the stack's region) or a non-empty list"),
        ([], "regions=[] is invalid: None (the stack's region) or a non-empty list"),
        (["EU-WEST-1"], "regions='EU-WEST-1' is invalid: a region name such as 'eu-west-1'"),
        (["eu-west-1", "eu-west-1"], "regions=['eu-west-1', 'eu-west-1'] is invalid: distinct regions"),
        ([7], "regions=7 is invalid: a region name"),
    ],
)
def test_regions_checked(regions: object, message: str) -> None:
    assert _message(regions=regions).startswith(message)


def test_regions_accepted() -> None:
    assert _check(regions=["eu-west-1", "us-east-1", "ap-southeast-3"]).regions == (
        "eu-west-1",
        "us-east-1",
        "ap-southeast-3",
    )
    assert _check().regions == ()
