"""FanoutTopic subscriber kinds and topic features: Firehose, queues in another account,
delivery-status logging with a sample rate, archive (and replay) for FIFO topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations, assertions
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import ButtressError, FanoutTopic
from tests.harness import REPO, new_stack, resources_of_type

STREAM_ARN = "arn:aws:firehose:eu-west-1:111122223333:deliverystream/orders-archive"
REMOTE_QUEUE = "arn:aws:sqs:eu-west-1:444455556666:partner-orders"
REMOTE_KEY = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _checked_app(build: Any, tmp_path: Path) -> tuple[Stack, dict[str, Any]]:
    """Build a stack under cdk-nag, synthesize it, and lint its template with cfn-lint."""
    from cfnlint.api import ManualArgs, lint_file

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()}, outdir=str(tmp_path))
    stack = Stack(app, "Features", env=Environment(account="111122223333", region="eu-west-1"))
    ops = sns.Topic(stack, "Ops", enforce_ssl=True, master_key=kms.Key(stack, "OpsKey", enable_key_rotation=True))
    build(stack, cw_actions.SnsAction(ops))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    ignored = [
        line.split("#", 1)[0].strip()
        for line in (REPO / "tests" / "cfn_lint_ignore.txt").read_text().splitlines()
        if line.split("#", 1)[0].strip()
    ]
    lint = lint_file(
        tmp_path / "Features.template.json", config=ManualArgs(regions=["eu-west-1"], ignore_checks=ignored)
    )
    assert [str(m) for m in lint] == []
    return stack, assembly.get_stack_by_name("Features").template


# --- delivery-status logging --------------------------------------------------------------------


def test_delivery_status_logging_for_sqs_lambda_https(tmp_path: Path) -> None:
    def build(stack: Stack, action: Any) -> None:
        FanoutTopic(
            stack,
            "Orders",
            topic_name="Orders",
            alarm_action=action,
            delivery_status_logging={"sqs": 100, "lambda": 10, "https": 0},
        ).add_queue("Q")

    _, template = _checked_app(build, tmp_path)
    (topic,) = [t for t in resources_of_type(template, "AWS::SNS::Topic").values() if "buttress:topic" in t["Metadata"]]
    logging = topic["Properties"]["DeliveryStatusLogging"]
    assert [(c["Protocol"], c["SuccessFeedbackSampleRate"]) for c in logging] == [
        ("sqs", "100"),
        ("lambda", "10"),
        ("http/s", "0"),
    ]
    roles = {c["SuccessFeedbackRoleArn"]["Fn::GetAtt"][0] for c in logging} | {
        c["FailureFeedbackRoleArn"]["Fn::GetAtt"][0] for c in logging
    }
    assert len(roles) == 1
    (policy,) = [
        p
        for k, p in resources_of_type(template, "AWS::IAM::Policy").items()
        if k.startswith("OrdersDeliveryStatusRole")
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert "logs:PutLogEvents" in statement["Action"]
    assert statement["Resource"].endswith("log-group:sns/eu-west-1/111122223333/Orders*")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"sqs": 101}, "delivery_status_logging['sqs']=101 is invalid: a whole number from 0 to 100"),
        ({"sqs": -1}, "delivery_status_logging['sqs']=-1 is invalid: a whole number from 0 to 100"),
        ({"sqs": "50"}, "delivery_status_logging['sqs']='50' is invalid: a whole number (int) from 0 to 100, not str"),
        (
            {"email": 50},
            "protocols 'sqs', 'lambda', 'https' (the subscribers whose delivery status SNS logs), not 'email'",
        ),
        ({}, "delivery_status_logging={} is invalid: at least one protocol"),
        (["sqs"], "delivery_status_logging=['sqs'] is invalid"),
    ],
)
def test_delivery_status_logging_errors(value: Any, message: str) -> None:
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(new_stack(), "Topic", delivery_status_logging=value)
    assert str(caught.value).startswith("Test/Topic: "), str(caught.value)
    assert message in str(caught.value)


# --- archive (FIFO) ------------------------------------------------------------------------------


def test_fifo_archive_retention(tmp_path: Path) -> None:
    def build(stack: Stack, action: Any) -> None:
        FanoutTopic(stack, "Orders", fifo=True, alarm_action=action, archive_retention_days=30).add_queue("Q")

    _, template = _checked_app(build, tmp_path)
    (topic,) = [t for t in resources_of_type(template, "AWS::SNS::Topic").values() if "buttress:topic" in t["Metadata"]]
    assert topic["Properties"]["ArchivePolicy"] == {"MessageRetentionPeriod": 30}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"archive_retention_days": 30}, "archive_retention_days=30 is invalid: only with fifo=True"),
        (
            {"fifo": True, "archive_retention_days": 0},
            "archive_retention_days=0 is invalid: a whole number from 1 to 365",
        ),
        (
            {"fifo": True, "archive_retention_days": 366},
            "archive_retention_days=366 is invalid: a whole number from 1 to 365",
        ),
        (
            {"fifo": True, "archive_retention_days": 30.0},
            "archive_retention_days=30.0 is invalid: a whole number (int)",
        ),
    ],
)
def test_archive_errors(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(new_stack(), "Topic", **props)
    assert str(caught.value).startswith(f"Test/Topic: {message}"), str(caught.value)


# --- Firehose ------------------------------------------------------------------------------------


def test_firehose_subscription_with_its_role(tmp_path: Path) -> None:
    def build(stack: Stack, action: Any) -> None:
        stream = firehose.DeliveryStream.from_delivery_stream_arn(stack, "Archive", STREAM_ARN)
        fanout = FanoutTopic(stack, "Orders", alarm_action=action)
        fanout.add_firehose("Archive", stream, filter_policy={"kind": ["order"]}, raw_message_delivery=True)
        assert fanout.route(attributes={"kind": "order"}) == ["Archive"]
        assert fanout.subscribers[0].protocol == "firehose"
        assert fanout.subscribers[0].role is not None

    _, template = _checked_app(build, tmp_path)
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    props = subscription["Properties"]
    assert props["Protocol"] == "firehose"
    assert props["Endpoint"] == STREAM_ARN
    assert props["RawMessageDelivery"] is True
    role = props["SubscriptionRoleArn"]["Fn::GetAtt"][0]
    assert template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sns.amazonaws.com"
    }
    (policy,) = [p for k, p in resources_of_type(template, "AWS::IAM::Policy").items() if k.startswith("OrdersArchive")]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert "firehose:PutRecordBatch" in statement["Action"]
    assert statement["Resource"] == STREAM_ARN


def test_firehose_errors() -> None:
    stack = new_stack()
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(stack, "Topic").add_firehose("S", "orders-archive")  # type: ignore[arg-type]
    assert str(caught.value).startswith(
        "Test/Topic: add_firehose('S').delivery_stream='orders-archive' is invalid: a kinesisfirehose.IDeliveryStream"
    )
    stream = firehose.DeliveryStream.from_delivery_stream_arn(stack, "Archive", STREAM_ARN)
    with pytest.raises(ButtressError, match="add_firehose is invalid on a FIFO topic"):
        FanoutTopic(stack, "Fifo", fifo=True).add_firehose("S", stream)


# --- a queue in another account ------------------------------------------------------------------


def test_queue_in_another_account_prints_what_its_owner_adds(tmp_path: Path) -> None:
    found: dict[str, Any] = {}

    def build(stack: Stack, action: Any) -> None:
        remote = sqs.Queue.from_queue_attributes(stack, "Remote", queue_arn=REMOTE_QUEUE, key_arn=REMOTE_KEY)
        fanout = FanoutTopic(stack, "Orders", topic_name="Orders", alarm_action=action)
        fanout.add_queue("Partner", queue=remote)
        found["infos"] = assertions.Annotations.from_stack(stack).find_info(
            "*", assertions.Match.string_like_regexp("buttress:ownerMustAdd")
        )

    _, template = _checked_app(build, tmp_path)
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == REMOTE_QUEUE
    assert subscription["Properties"]["Protocol"] == "sqs"
    texts = [str(i.entry.data) for i in found["infos"]]
    topic_arn = '"aws:SourceArn": {"Ref": "OrdersTopic'
    (queue_text,) = [t for t in texts if "queue policy" in t]
    assert REMOTE_QUEUE in queue_text and '"sqs:SendMessage"' in queue_text and topic_arn in queue_text
    (key_text,) = [t for t in texts if "key policy" in t]
    assert REMOTE_KEY in key_text and '"kms:GenerateDataKey"' in key_text and topic_arn in key_text
    outputs = template["Outputs"]
    statements = [
        json.dumps(o["Value"]) for o in outputs.values() if o["Description"].startswith("Statement the owner")
    ]
    assert len(statements) == 2
    assert all("OrdersTopic" in s for s in statements)
