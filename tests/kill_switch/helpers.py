"""What the kill-switch construct tests share: a switch with the usual props, template lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import Stack
from aws_cdk.assertions import Template
from constructs import Construct

from buttress import BudgetKillSwitch
from buttress._lambda_src.kill_switch.config import ENVIRONMENT_VARIABLE, Config
from tests.harness import new_stack

EMAILS = ["ops@example.com", "finance@example.com"]


def build_switch(**overrides: Any) -> tuple[Stack, BudgetKillSwitch, Template]:
    stack = new_stack()
    switch = add_switch(stack, **overrides)
    return stack, switch, Template.from_stack(stack)


def add_switch(stack: Construct, **overrides: Any) -> BudgetKillSwitch:
    props: dict[str, Any] = {
        "limit_usd": 2,
        "tag_key": "Project",
        "tag_value": "Beta",
        "operator_emails": EMAILS,
        "budget_name": "beta",
        "services": ["Amazon Elastic Compute Cloud - Compute"],
        "iam_groups": ["beta-devs"],
        "iam_roles": ["beta-ci"],
        **overrides,
    }
    return BudgetKillSwitch(stack, "Switch", **props)


def one(template: Template, type_: str, where: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
    found = [dict(r) for r in template.find_resources(type_).values() if where(dict(r))]
    assert len(found) == 1, found
    return found[0]


def policy_of(template: Template, role_fragment: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    (policy,) = [p for p in policies.values() if any(role_fragment in r["Ref"] for r in p["Properties"]["Roles"])]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions_of(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def config_of(template: Template, handler: str) -> Config:
    """The runtime's parse of the configuration the construct writes (tokens replaced by stand-ins)."""
    fn = one(template, "AWS::Lambda::Function", lambda r: r["Properties"]["Handler"] == handler)
    value = fn["Properties"]["Environment"]["Variables"][ENVIRONMENT_VARIABLE]
    text = "".join(p if isinstance(p, str) else "TOKEN" for p in value["Fn::Join"][1])
    return Config.from_environment({ENVIRONMENT_VARIABLE: text})
