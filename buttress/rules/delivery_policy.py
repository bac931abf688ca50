"""HTTP/S delivery (retry) policies of SNS subscriptions, checked against SNS's documented bounds.

The policy is the JSON object of the AWS docs ("Creating an HTTP/S delivery policy") and of the
``DeliveryPolicy`` property of ``AWS::SNS::Subscription``::

    {"healthyRetryPolicy": {"numRetries": 20, "minDelayTarget": 10, "maxDelayTarget": 120,
                            "numNoDelayRetries": 0, "numMinDelayRetries": 2, "numMaxDelayRetries": 10,
                            "backoffFunction": "exponential"},
     "throttlePolicy": {"maxReceivesPerSecond": 10},
     "requestPolicy": {"headerContentType": "application/json"}}

Bounds: ``numRetries`` 0..100; the no-delay, min-delay and max-delay phases are each >= 0 and
together at most ``numRetries``; ``minDelayTarget`` 1..``maxDelayTarget``; ``maxDelayTarget`` at
most 3,600 s; ``backoffFunction`` one of arithmetic, exponential, geometric, linear; the whole
retry schedule cannot exceed SNS's hard limit of 3,600 s (checked on its shortest possible
duration, so a valid policy is never rejected); ``maxReceivesPerSecond`` >= 1.

``sicklyRetryPolicy``: the documented delivery-policy format ("SetSubscriptionAttributes delivery
policy JSON format") has no such field; SNS shows ``"sicklyRetryPolicy": null`` in a
subscription's ``EffectiveDeliveryPolicy``, so a policy copied from there may hold it. ``null``
(``None``) is accepted as SNS writes it; any other value is refused, since no documented bound
could check it and SNS would not apply it as the user expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_RETRIES = 100
MAX_DELAY_SECONDS = 3600
MAX_TOTAL_SECONDS = 3600
BACKOFF_FUNCTIONS = ("arithmetic", "exponential", "geometric", "linear")
CONTENT_TYPES = (
    "application/json",
    "application/xml",
    "text/plain",
    "text/xml",
    "text/html",
    "application/x-www-form-urlencoded",
    "text/plain; charset=UTF-8",
)

_RETRY_KEYS = {
    "numRetries",
    "numNoDelayRetries",
    "minDelayTarget",
    "maxDelayTarget",
    "numMinDelayRetries",
    "numMaxDelayRetries",
    "backoffFunction",
}


class DeliveryPolicyError(ValueError):
    """A delivery policy outside SNS's documented bounds; the message names the field and the bound."""


def _int(section: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DeliveryPolicyError(f"{key}={value!r} is invalid: a whole number from {low} to {high}")
    return value


def validate_delivery_policy(policy: Mapping[str, Any]) -> None:
    """Raise :class:`DeliveryPolicyError` if ``policy`` breaks a documented SNS bound."""
    if not isinstance(policy, Mapping) or not policy:
        raise DeliveryPolicyError(f"delivery_policy={policy!r} is invalid: a non-empty JSON object")
    unknown = set(policy) - {"healthyRetryPolicy", "throttlePolicy", "requestPolicy", "sicklyRetryPolicy"}
    if unknown:
        raise DeliveryPolicyError(
            f"delivery_policy keys {sorted(unknown)} are invalid: healthyRetryPolicy, throttlePolicy, requestPolicy"
        )
    sickly = policy.get("sicklyRetryPolicy")
    if sickly is not None:
        raise DeliveryPolicyError(
            f"sicklyRetryPolicy={sickly!r} is invalid: SNS documents no sickly retry policy for HTTP/S "
            "subscriptions (only null, as SNS reports it in EffectiveDeliveryPolicy); put the retries in "
            "healthyRetryPolicy"
        )
    retry = policy.get("healthyRetryPolicy")
    if retry is not None:
        _validate_retry(retry)
    throttle = policy.get("throttlePolicy")
    if throttle is not None:
        if not isinstance(throttle, Mapping) or set(throttle) - {"maxReceivesPerSecond"}:
            raise DeliveryPolicyError(f"throttlePolicy={throttle!r} is invalid: {{'maxReceivesPerSecond': n}}")
        _int(throttle, "maxReceivesPerSecond", 1, 1, 2**31 - 1)
    request = policy.get("requestPolicy")
    if request is not None:
        content_type = request.get("headerContentType") if isinstance(request, Mapping) else None
        if content_type not in CONTENT_TYPES:
            raise DeliveryPolicyError(
                f"requestPolicy.headerContentType={content_type!r} is invalid: one of {CONTENT_TYPES}"
            )


def _validate_retry(retry: Any) -> None:
    if not isinstance(retry, Mapping):
        raise DeliveryPolicyError(f"healthyRetryPolicy={retry!r} is invalid: a JSON object")
    unknown = set(retry) - _RETRY_KEYS
    if unknown:
        raise DeliveryPolicyError(f"healthyRetryPolicy keys {sorted(unknown)} are invalid: {sorted(_RETRY_KEYS)}")
    total = _int(retry, "numRetries", 3, 0, MAX_RETRIES)
    no_delay = _int(retry, "numNoDelayRetries", 0, 0, MAX_RETRIES)
    at_min = _int(retry, "numMinDelayRetries", 0, 0, MAX_RETRIES)
    at_max = _int(retry, "numMaxDelayRetries", 0, 0, MAX_RETRIES)
    max_delay = _int(retry, "maxDelayTarget", 20, 1, MAX_DELAY_SECONDS)
    min_delay = _int(retry, "minDelayTarget", 20, 1, max_delay)
    if no_delay + at_min + at_max > total:
        raise DeliveryPolicyError(
            f"numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries = {no_delay + at_min + at_max} is invalid: "
            f"at most numRetries ({total})"
        )
    backoff = retry.get("backoffFunction", "linear")
    if backoff not in BACKOFF_FUNCTIONS:
        raise DeliveryPolicyError(f"backoffFunction={backoff!r} is invalid: one of {', '.join(BACKOFF_FUNCTIONS)}")
    backoff_retries = total - no_delay - at_min - at_max
    shortest = at_min * min_delay + backoff_retries * min_delay + at_max * max_delay
    if shortest > MAX_TOTAL_SECONDS:
        raise DeliveryPolicyError(
            f"the retry schedule takes at least {shortest} s, which is invalid: SNS's hard limit for HTTP/S "
            f"retries is {MAX_TOTAL_SECONDS} s"
        )
