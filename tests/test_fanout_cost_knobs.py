"""FanoutTopic cost knobs: an existing KMS key (``key=``) instead of two new ones, and ``dashboard=False``."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack, Validations, assertions
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from cdk_nag import AwsSolutionsChecks

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import ButtressError, FanoutTopic
from buttress.tools.cost import estimate_template
from tests.harness import new_stack, resources_of_type


def _stack(**topic: Any) -> tuple[Stack, dict[str, Any]]:
    """A nag-checked app with one topic (a queue, a function-free HTTPS endpoint), synthesized."""
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Knobs")
    ops = sns.Topic(stack, "Ops", enforce_ssl=True, master_key=kms.Key(stack, "OpsKey", enable_key_rotation=True))
    shared = topic.pop("shared_key", False)
    if shared:
        topic["key"] = kms.Key(stack, "TeamKey", enable_key_rotation=True)
    fanout = FanoutTopic(stack, "Orders", alarm_action=cw_actions.SnsAction(ops), **topic)
    fanout.add_queue("Q", filter_policy={"a": ["b"]})
    fanout.add_queue("Shared", dead_letter_queue="shared")
    fanout.add_https_endpoint("Web", "https://example.com/hook")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name("Knobs").template
    return stack, template


def _topic_key_ids(template: dict[str, Any]) -> set[str]:
    keys = set()
    for resource in [*resources_of_type(template, "AWS::SNS::Topic").values()]:
        keys.add(resource["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0])
    return keys


def test_default_topic_has_two_keys_and_a_dashboard() -> None:
    _, template = _stack()
    keys = [k for k in resources_of_type(template, "AWS::KMS::Key") if k.startswith("Orders")]
    assert len(keys) == 2
    assert len(resources_of_type(template, "AWS::CloudWatch::Dashboard")) == 1


def test_shared_key_encrypts_topic_and_queues_without_a_cycle() -> None:
    _, template = _stack(shared_key=True, topic_name="Orders")
    keys = resources_of_type(template, "AWS::KMS::Key")
    assert not [k for k in keys if k.startswith("Orders")]
    (team_key,) = [k for k in keys if k.startswith("TeamKey")]
    for queue in resources_of_type(template, "AWS::SQS::Queue").values():
        assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [team_key, "Arn"]}
    assert team_key in _topic_key_ids(template)
    statements = keys[team_key]["Properties"]["KeyPolicy"]["Statement"]
    (sns_statement,) = [s for s in statements if s.get("Principal") == {"Service": "sns.amazonaws.com"}]
    # Named by the ARN its name gives (a Ref to the topic would be a cycle: the topic names the key).
    assert sns_statement["Condition"] == {
        "ArnEquals": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":sns:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":Orders",
                    ],
                ]
            }
        }
    }


def test_shared_key_with_a_generated_name_allows_this_accounts_topics() -> None:
    _, template = _stack(shared_key=True)
    (key,) = [v for k, v in resources_of_type(template, "AWS::KMS::Key").items() if k.startswith("TeamKey")]
    sns_principal = {"Service": "sns.amazonaws.com"}
    (statement,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Principal") == sns_principal]
    assert list(statement["Condition"]) == ["ArnLike"]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":*"


def test_dashboard_false_creates_none() -> None:
    stack, template = _stack(dashboard=False)
    assert resources_of_type(template, "AWS::CloudWatch::Dashboard") == {}
    fanout = stack.node.find_child("Orders")
    assert isinstance(fanout, FanoutTopic)
    assert fanout.dashboard is None


def test_cost_with_and_without_the_knobs() -> None:
    _, default = _stack()
    _, cheap = _stack(shared_key=True, dashboard=False)
    before = estimate_template(default).monthly
    after = estimate_template(cheap).monthly
    # Two topic keys ($1 each) and the dashboard ($3) go; the team key ($1) is counted where it lives.
    assert round(before - after, 2) == 4.0


def test_imported_key_says_what_its_owner_must_add() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(
        stack, "Imported", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    fanout = FanoutTopic(stack, "Topic", key=key, service_publishers=["budgets.amazonaws.com"])
    fanout.add_queue("Q")
    infos = assertions.Annotations.from_stack(stack).find_info(
        "*", assertions.Match.string_like_regexp("buttress:ownerMustAdd")
    )
    texts = [str(i.entry.data) for i in infos]
    assert any("budgets.amazonaws.com" in t and "kms:GenerateDataKey*" in t for t in texts), texts
    assert any("sns.amazonaws.com" in t and "aws:SourceArn" in t for t in texts), texts


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"key": "alias/mine"}, "Test/Topic: key='alias/mine' is invalid: a kms.IKey (e.g. kms.Key(...)), not str"),
        ({"dashboard": "no"}, "Test/Topic: dashboard='no' is invalid"),
        (
            {"dashboard": False, "dashboard_name": "Mine"},
            "Test/Topic: dashboard_name='Mine' is invalid: not with dashboard=False (no dashboard is created)",
        ),
    ],
)
def test_knob_errors(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(new_stack(), "Topic", **props)
    assert str(caught.value).startswith(message), str(caught.value)
