"""buttress.rules.delivery_policy: SNS's documented HTTP/S retry bounds, one failing and one passing case each."""

from __future__ import annotations

from typing import Any

import pytest

from buttress.rules.delivery_policy import DeliveryPolicyError, validate_delivery_policy


def retry(**fields: Any) -> dict[str, Any]:
    return {"healthyRetryPolicy": fields}


@pytest.mark.parametrize(
    "policy",
    [
        retry(numRetries=20, backoffFunction="exponential"),
        retry(
            numRetries=10,
            minDelayTarget=10,
            maxDelayTarget=30,
            numMinDelayRetries=3,
            numMaxDelayRetries=7,
            numNoDelayRetries=0,
            backoffFunction="linear",
        ),  # the sample of the SNS docs
        retry(numRetries=100, minDelayTarget=1, maxDelayTarget=3600),
        {"throttlePolicy": {"maxReceivesPerSecond": 10}, "requestPolicy": {"headerContentType": "application/json"}},
    ],
)
def test_valid_policies(policy: dict[str, Any]) -> None:
    validate_delivery_policy(policy)


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ({}, ["non-empty"]),
        ({"retryPolicy": {}}, ["retryPolicy"]),
        (retry(numRetries=101), ["numRetries=101", "0 to 100"]),
        (retry(numRetries=-1), ["numRetries=-1"]),
        (retry(numRetries=2.5), ["numRetries=2.5", "whole number"]),
        (retry(minDelayTarget=0), ["minDelayTarget=0", "1 to 20"]),
        (retry(minDelayTarget=30, maxDelayTarget=20), ["minDelayTarget=30", "1 to 20"]),
        (retry(maxDelayTarget=3601), ["maxDelayTarget=3601", "1 to 3600"]),
        (retry(numRetries=3, numMinDelayRetries=2, numMaxDelayRetries=2), ["= 4", "at most numRetries (3)"]),
        (retry(backoffFunction="quadratic"), ["backoffFunction='quadratic'", "exponential"]),
        (retry(numRetries=10, numMaxDelayRetries=10, maxDelayTarget=400), ["4000 s", "3600 s"]),
        (retry(retries=3), ["retries"]),
        ({"throttlePolicy": {"maxReceivesPerSecond": 0}}, ["maxReceivesPerSecond=0"]),
        ({"requestPolicy": {"headerContentType": "image/png"}}, ["headerContentType='image/png'"]),
    ],
)
def test_invalid_policies_name_field_and_bound(policy: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(DeliveryPolicyError) as caught:
        validate_delivery_policy(policy)
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


def test_sickly_retry_policy_only_as_null() -> None:
    # SNS writes "sicklyRetryPolicy": null in EffectiveDeliveryPolicy; its docs define no fields for it.
    validate_delivery_policy({"healthyRetryPolicy": {"numRetries": 3}, "sicklyRetryPolicy": None})
    with pytest.raises(DeliveryPolicyError) as caught:
        validate_delivery_policy({"sicklyRetryPolicy": {"numRetries": 3}})
    assert str(caught.value).startswith("sicklyRetryPolicy={'numRetries': 3} is invalid: SNS documents no sickly")
