"""Issue 27 item 11: each service publisher gets the topic and key statements its own AWS page gives.

EventBridge's "Amazon SNS permissions" says condition blocks are not supported, so its statements
carry none; the other services are limited to the topic's account with ``aws:SourceAccount``.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import assertions

from buttress import ButtressError, FanoutTopic
from buttress.rules.fanout import SERVICE_PUBLISHERS
from tests.harness import new_stack, resources_of_type

SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
EXPECTED_CONDITION: dict[str, Any] = {
    "budgets.amazonaws.com": SOURCE_ACCOUNT,
    "cloudwatch.amazonaws.com": SOURCE_ACCOUNT,
    "events.amazonaws.com": None,
    "s3.amazonaws.com": SOURCE_ACCOUNT,
}


def _statements(template: dict[str, Any], type_: str, key: str, principal: str) -> list[dict[str, Any]]:
    (resource,) = resources_of_type(template, type_).values()
    statements: list[dict[str, Any]] = resource["Properties"][key]["Statement"]
    return [s for s in statements if s.get("Principal") == {"Service": principal}]


def test_every_accepted_principal_has_a_case_and_an_aws_page() -> None:
    assert set(EXPECTED_CONDITION) == set(SERVICE_PUBLISHERS)
    for rule in SERVICE_PUBLISHERS.values():
        assert rule.page.startswith("https://docs.aws.amazon.com/")


@pytest.mark.parametrize("principal", sorted(EXPECTED_CONDITION))
def test_publisher_statements_follow_the_page(principal: str) -> None:
    stack = new_stack("Publishers")
    FanoutTopic(stack, "Orders", service_publishers=[principal])
    template = dict(assertions.Template.from_stack(stack).to_json())
    (topic_statement,) = _statements(template, "AWS::SNS::TopicPolicy", "PolicyDocument", principal)
    (key_statement,) = _statements(template, "AWS::KMS::Key", "KeyPolicy", principal)
    assert topic_statement["Action"] == "sns:Publish"
    assert key_statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    for statement in (topic_statement, key_statement):
        assert statement.get("Condition") == EXPECTED_CONDITION[principal]


def test_eventbridge_statements_carry_no_condition_block() -> None:
    stack = new_stack("Publishers")
    FanoutTopic(stack, "Orders").allow_service_publisher("events.amazonaws.com")
    template = dict(assertions.Template.from_stack(stack).to_json())
    for type_, key in (("AWS::SNS::TopicPolicy", "PolicyDocument"), ("AWS::KMS::Key", "KeyPolicy")):
        (statement,) = _statements(template, type_, key, "events.amazonaws.com")
        assert "Condition" not in statement


def test_a_service_without_a_documented_case_is_refused() -> None:
    with pytest.raises(ButtressError) as error:
        FanoutTopic(new_stack("Publishers"), "Orders", service_publishers=["codestar-notifications.amazonaws.com"])
    message = str(error.value)
    assert message.startswith("Publishers/Orders: service_publishers='codestar-notifications.amazonaws.com' is invalid")
    assert "'events.amazonaws.com'" in message and "add_to_resource_policy" in message
