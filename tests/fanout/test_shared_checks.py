"""FanoutTopic uses the shared checks (rules.props.interface, parts.metrics.period): errors name the topic."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aws_cdk import Duration

from buttress import ButtressError, FanoutTopic
from tests.harness import new_stack


def test_a_metric_period_that_is_not_a_duration_is_refused_naming_the_topic() -> None:
    fanout = FanoutTopic(new_stack(), "Topic", dashboard=False)
    with pytest.raises(ButtressError) as caught:
        fanout.metric_notifications_failed(period=300)  # type: ignore[arg-type]
    assert str(caught.value).startswith("Test/Topic: period=300 is invalid: a Duration"), str(caught.value)
    assert fanout.metric("NumberOfMessagesPublished", period=None).period.to_minutes() == 5
    assert fanout.metric("NumberOfMessagesPublished", period=Duration.hours(1)).period.to_hours() == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.grant_publish("role"), "Test/Topic: grantee='role' is invalid: an iam.IGrantable"),
        (lambda t: t.add_queue("Q", queue="arn"), "Test/Topic: add_queue('Q').queue='arn' is invalid: an sqs.IQueue"),
        (lambda t: t.add_function("F", "fn"), "Test/Topic: add_function('F').function='fn' is invalid: a lambda_"),
        (
            lambda t: t.add_firehose("H", "stream"),
            "Test/Topic: add_firehose('H').delivery_stream='stream' is invalid: a kinesisfirehose",
        ),
    ],
    ids=["grantee", "queue", "function", "delivery_stream"],
)
def test_an_object_that_lacks_the_interface_is_refused_with_its_type(
    call: Callable[[FanoutTopic], object], message: str
) -> None:
    fanout = FanoutTopic(new_stack(), "Topic", dashboard=False)
    with pytest.raises(ButtressError) as caught:
        call(fanout)
    assert str(caught.value).startswith(message), str(caught.value)
    assert str(caught.value).endswith(", not str"), str(caught.value)
