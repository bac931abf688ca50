"""Issue 27 item 10: which existing queues a topic may subscribe, as SNS decides it.

SNS refuses a FIFO queue on a standard topic; a FIFO topic delivers to FIFO and standard queues
(since September 2023: "Amazon SNS message delivery for FIFO topics",
https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html). moto's AWS-validated SNS
model (getmoto/moto pull request 8957) reproduces both, which the last test pins.
"""

from __future__ import annotations

import json

import boto3
import pytest
from aws_cdk import CfnParameter, assertions
from aws_cdk import aws_sqs as sqs

from buttress import ButtressError, FanoutTopic
from buttress.rules.fanout import check_queue_kind
from tests.harness import new_stack, resources_of_type
from tests.moto_env import mocked_aws

FIFO_ARN = "arn:aws:sqs:us-east-1:111122223333:orders.fifo"
STANDARD_ARN = "arn:aws:sqs:us-east-1:111122223333:orders"


def test_rule_refuses_a_fifo_queue_on_a_standard_topic_only() -> None:
    check_queue_kind("add_queue('Q').queue", "q", queue_fifo=False, topic_fifo=False)
    check_queue_kind("add_queue('Q').queue", "q", queue_fifo=True, topic_fifo=True)
    check_queue_kind("add_queue('Q').queue", "q", queue_fifo=False, topic_fifo=True)
    with pytest.raises(ButtressError, match=r"add_queue\('Q'\)\.queue='q' is invalid: .*FIFO queue.*standard topic"):
        check_queue_kind("add_queue('Q').queue", "q", queue_fifo=True, topic_fifo=False)


def test_a_standard_topic_refuses_a_new_fifo_queue_object() -> None:
    stack = new_stack("Fifo")
    topic = FanoutTopic(stack, "Orders")
    queue = sqs.Queue(stack, "Mine", fifo=True)
    with pytest.raises(ButtressError) as error:
        topic.add_queue("Mine", queue=queue)
    message = str(error.value)
    assert message.startswith("Fifo/Orders: add_queue('Mine').queue=")
    assert "Fifo/Mine" in message and "fifo-message-delivery" in message
    assert "jsii" not in message


def test_a_standard_topic_refuses_a_fifo_queue_imported_by_arn() -> None:
    stack = new_stack("Fifo")
    topic = FanoutTopic(stack, "Orders")
    with pytest.raises(
        ButtressError, match=r"add_queue\('Partner'\)\.queue='arn:aws:sqs:us-east-1:111122223333:orders\.fifo'"
    ):
        topic.add_queue("Partner", queue=sqs.Queue.from_queue_arn(stack, "Partner", FIFO_ARN))


def test_a_standard_topic_refuses_a_queue_said_fifo_behind_a_token() -> None:
    stack = new_stack("Fifo")
    topic = FanoutTopic(stack, "Orders")
    arn = CfnParameter(stack, "QueueArn").value_as_string
    queue = sqs.Queue.from_queue_attributes(stack, "Partner", queue_arn=arn, fifo=True)
    with pytest.raises(ButtressError, match="FIFO queue"):
        topic.add_queue("Partner", queue=queue)


@pytest.mark.parametrize("arn", [STANDARD_ARN, FIFO_ARN])
def test_a_fifo_topic_subscribes_standard_and_fifo_queues(arn: str) -> None:
    stack = new_stack("Fifo")
    topic = FanoutTopic(stack, "Orders", fifo=True)
    topic.add_queue("Partner", queue=sqs.Queue.from_queue_arn(stack, "Partner", arn))
    template = dict(assertions.Template.from_stack(stack).to_json())
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == arn


def test_moto_agrees_with_the_rule() -> None:
    with mocked_aws():
        sns = boto3.client("sns")
        sqs_client = boto3.client("sqs")
        standard_topic = sns.create_topic(Name="orders")["TopicArn"]
        fifo_topic = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
        queues = {}
        for name in ("q.fifo", "q"):
            fifo = name.endswith(".fifo")
            url = sqs_client.create_queue(QueueName=name, Attributes={"FifoQueue": "true"} if fifo else {})["QueueUrl"]
            arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            queues[name] = arn
        with pytest.raises(sns.exceptions.InvalidParameterException, match="FIFO SQS Queues can not be subscribed"):
            sns.subscribe(TopicArn=standard_topic, Protocol="sqs", Endpoint=queues["q.fifo"])
        for queue in queues.values():
            sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=queue)
        listed = sns.list_subscriptions_by_topic(TopicArn=fifo_topic)["Subscriptions"]
        assert sorted(json.dumps(s["Endpoint"]) for s in listed) == sorted(json.dumps(q) for q in queues.values())
