"""Retry AWS calls that were throttled, with capped exponential backoff and full jitter."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError

T = TypeVar("T")

#: Error codes AWS services use for throttling (and DynamoDB for a hot partition).
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
    }
)


def is_throttle(error: BaseException) -> bool:
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in THROTTLE_CODES


def with_backoff(
    call: Callable[[], T],
    *,
    attempts: int = 6,
    base: float = 0.2,
    cap: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``call``; on a throttling error wait ``rand() * min(cap, base * 2**n)`` and retry.

    Other errors, and the last throttling error after ``attempts`` tries, propagate.
    """
    for attempt in range(attempts):
        try:
            return call()
        except ClientError as error:
            if not is_throttle(error) or attempt == attempts - 1:
                raise
            sleep(rand() * min(cap, base * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
