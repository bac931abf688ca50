"""``BudgetKillSwitch``: bad input fails at synth, naming the construct and the prop; tokens pass."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_iam as iam

from buttress import BudgetKillSwitch, ButtressError
from tests.harness import new_stack
from tests.kill_switch.helpers import EMAILS, build_switch


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        ({"limit_usd": 0}, "limit_usd"),
        ({"limit_usd": -1}, "limit_usd"),
        ({"limit_usd": float("nan")}, "limit_usd"),
        ({"limit_usd": True}, "limit_usd"),
        ({"tag_key": ""}, "tag_key"),
        ({"tag_key": "aws:cloudformation:stack-name"}, "tag_key"),
        ({"tag_value": ""}, "tag_value"),
        ({"operator_emails": []}, "operator_emails"),
        ({"operator_emails": "ops@example.com"}, "operator_emails"),
        ({"operator_emails": ["not-an-address"]}, "operator_emails"),
        ({"operator_emails": [f"o{i}@example.com" for i in range(11)]}, "operator_emails"),
        ({"operator_emails": ["a@example.com", "a@example.com"]}, "operator_emails"),
        ({"budget_name": "a:b"}, "budget_name"),
        ({"budget_name": "x" * 101}, "budget_name"),
        ({"budget_name": "x" * 92}, "budget_name"),  # the digest needs 9 of the 100
        ({"services": "Amazon EC2"}, "services"),
        ({"services": [""]}, "services"),
        ({"forecast_percent": 0}, "forecast_percent"),
        ({"actual_percent": 5000}, "actual_percent"),
        ({"iam_groups": "devs"}, "iam_groups"),
        ({"iam_roles": ["path/role"]}, "iam_roles"),
        ({"iam_users": ["a", "a"]}, "iam_users"),
        ({"deny_actions": []}, "deny_actions"),
        ({"deny_actions": ["RunInstances"]}, "deny_actions"),
        ({"max_workers": 0}, "max_workers"),
        ({"reserved_concurrency": 0}, "reserved_concurrency"),
        ({"iam_groups": [], "iam_roles": [], "native_iam_action": True}, "native_iam_action"),
        (
            {
                "iam_groups": [],
                "iam_roles": [],
                "lambda_functions": False,
                "ecs_services": False,
                "ec2_instances": False,
                "rds_databases": False,
                "auto_scaling_groups": False,
                "sagemaker_notebooks": False,
                "eks_node_groups": False,
                "app_runner_services": False,
            },
            "lambda_functions",
        ),
    ],
)
def test_bad_input_fails_at_synth(overrides: dict[str, Any], prop: str) -> None:
    with pytest.raises(ButtressError, match=rf"^[^:]*/Switch: {prop}=.* is invalid: "):
        build_switch(**overrides)


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        ({"limit_usd": "2"}, "limit_usd"),
        ({"forecast_percent": "80"}, "forecast_percent"),
        ({"lambda_functions": "yes"}, "lambda_functions"),
        ({"dry_run": 1}, "dry_run"),
        ({"max_workers": "4"}, "max_workers"),
        ({"reserved_concurrency": 2.5}, "reserved_concurrency"),
        ({"iam_users": [7]}, r"iam_users\[0\]"),
        ({"budget_name": 5}, "budget_name"),
        ({"removal_policy": "RETAIN"}, "removal_policy"),
        ({"log_retention": 365}, "log_retention"),
        ({"alarm_action": "arn:aws:sns:us-east-1:111122223333:ops"}, "alarm_action"),
    ],
)
def test_wrong_types_are_buttress_errors_naming_the_construct(overrides: dict[str, Any], prop: str) -> None:
    with pytest.raises(ButtressError, match=rf"^[^:]*/Switch: {prop}=.* is invalid: "):
        build_switch(**overrides)


def test_group_name_token_accepted() -> None:
    stack = new_stack()
    group = iam.Group(stack, "Devs")
    switch = BudgetKillSwitch(
        stack,
        "Switch",
        limit_usd=5,
        tag_key="Project",
        tag_value="Beta",
        operator_emails=EMAILS,
        iam_groups=[group.group_name],
    )
    assert switch.deny_policy is not None
