"""``buttress.filter_policy.matches`` against moto's ``FilterPolicyMatcher``: messages per second.

Both evaluate the same seeded, generated policies and messages (attribute and body scopes).
moto's matcher is built once per policy, as moto does for a subscription; so is buttress's
(``compile_policy``, which validates it once). A plain-dict row measures ``matches`` on the dict
itself, validated through its content-keyed cache on every call. Agreement is reported for
information: the documented divergences live in ``tests/test_filter_policy_moto.py``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from bench.common import Result, Target, median, runs

STRING_KEYS = ["color", "region", "tier"]
NUMBER_KEYS = ["price", "qty"]
WORDS = ["red", "redder", "blue", "sky-blue", "Europe-West", "Asia-Pacific-Southeast", "gold", "x"]
NUMBERS = [0, 1, 1.5, 100, 250.25, 999, 1000, 15700]


def _string_condition(rng: random.Random) -> Any:
    word = rng.choice(WORDS)
    return rng.choice(
        [
            word,
            {"prefix": word[:3]},
            {"suffix": word[-3:]},
            {"anything-but": [word, rng.choice(WORDS)]},
            {"anything-but": {"prefix": word[:2]}},
        ]
    )


def _number_condition(rng: random.Random) -> Any:
    a, b = sorted(rng.sample(NUMBERS, 2))
    return rng.choice([a, {"numeric": ["=", a]}, {"numeric": [">", a]}, {"numeric": [">=", a, "<", b]}])


def policies(rng: random.Random, count: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        keys = rng.sample(STRING_KEYS + NUMBER_KEYS, rng.randint(1, 4))
        policy: dict[str, Any] = {}
        for key in keys:
            make = _string_condition if key in STRING_KEYS else _number_condition
            policy[key] = [make(rng) for _ in range(rng.randint(1, 3))]
        out.append(policy)
    return out


def messages(rng: random.Random, count: int) -> list[tuple[dict[str, Any], str]]:
    """(attributes in the SNS notification shape, JSON body with the same values).

    Words and small numbers repeat, as event types and regions do; prices and ids are mostly
    unique, so caches keyed on attribute values only help as much as real traffic would let them.
    """
    out = []
    for _ in range(count):
        attrs: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key in STRING_KEYS + NUMBER_KEYS:
            if rng.random() < 0.75:
                if key in STRING_KEYS:
                    value: Any = rng.choice(WORDS)
                    attrs[key] = {"Type": "String", "Value": value}
                elif key == "price":
                    # Mostly fresh values, as prices are: no cache of parsed attributes can help.
                    value = rng.choice(NUMBERS) if rng.random() < 0.3 else round(rng.uniform(0, 20000), 2)
                    attrs[key] = {"Type": "Number", "Value": str(value)}
                else:
                    value = rng.choice(NUMBERS)
                    attrs[key] = {"Type": "Number", "Value": str(value)}
                body[key] = value
        # A unique id no policy reads: every real message carries some.
        attrs["order_id"] = {"Type": "String", "Value": f"order-{rng.getrandbits(48):012x}"}
        body["order_id"] = attrs["order_id"]["Value"]
        out.append((attrs, json.dumps(body)))
    return out


def _time(fn: Callable[[], list[bool]]) -> tuple[float, list[bool]]:
    start = time.perf_counter()
    answers = fn()
    return time.perf_counter() - start, answers


def run() -> Result:
    from moto.sns.utils import FilterPolicyMatcher

    from buttress.rules.filter_policy import compile_policy, matches

    rng = random.Random(20261123)
    n_policies, n_messages = (50, 100) if runs(2, 1) == 1 else (200, 250)
    pols = policies(rng, n_policies)
    msgs = messages(rng, n_messages)
    evaluations = n_policies * n_messages
    n = runs(5, 2)
    rows = []
    ratios = []
    for scope in ("MessageAttributes", "MessageBody"):

        def ours(scope: str = scope) -> list[bool]:
            out = []
            for p in pols:
                compiled = compile_policy(p, scope=scope)
                if scope == "MessageBody":
                    out += [matches(compiled, body=body) for _, body in msgs]
                else:
                    out += [matches(compiled, attributes=attrs) for attrs, _ in msgs]
            return out

        def plain(scope: str = scope) -> list[bool]:
            if scope == "MessageBody":
                return [matches(p, body=body, scope=scope) for p in pols for _, body in msgs]
            return [matches(p, attributes=attrs) for p in pols for attrs, _ in msgs]

        def moto(scope: str = scope) -> list[bool]:
            out = []
            for p in pols:
                matcher = FilterPolicyMatcher(p, scope)
                for attrs, body in msgs:
                    try:
                        out.append(bool(matcher.matches(attrs, body)))
                    except Exception:  # moto raises on some inputs (see the divergences)
                        out.append(False)
            return out

        ours_times, plain_times, moto_times = [], [], []
        ours_answers: list[bool] = []
        moto_answers: list[bool] = []
        for _ in range(n):  # interleaved, so machine load hits all alike
            t, ours_answers = _time(ours)
            ours_times.append(t)
            t, plain_answers = _time(plain)
            plain_times.append(t)
            assert plain_answers == ours_answers
            t, moto_answers = _time(moto)
            moto_times.append(t)
        ours_rate = evaluations / median(ours_times)
        plain_rate = evaluations / median(plain_times)
        moto_rate = evaluations / median(moto_times)
        agree = sum(a == b for a, b in zip(ours_answers, moto_answers, strict=True)) / evaluations
        ratios.append(ours_rate / moto_rate)
        rows.append(
            [
                scope,
                f"{ours_rate:,.0f}",
                f"{plain_rate:,.0f}",
                f"{moto_rate:,.0f}",
                f"**{ours_rate / moto_rate:.2f}x**",
                f"{sum(ours_answers) / evaluations:.0%}",
                f"{agree:.1%}",
            ]
        )
    result = Result("filter_policy", "Filter-policy evaluation: `filter_policy.matches` vs moto")
    result.lines.append(
        f"{n_policies} generated policies x {n_messages} generated messages = {evaluations:,} evaluations per scope "
        f"(seeded), {n} interleaved runs; medians. Ratio > 1 means buttress is faster."
    )
    result.lines.append("")
    result.table(
        ["scope", "buttress msg/s", "plain dict msg/s", "moto msg/s", "ratio", "matched", "agreement"],
        rows,
    )
    worst = min(ratios)
    result.targets.append(
        Target(
            "`matches` at least as fast as moto's matcher",
            f"{worst:.2f}x moto's throughput (worst scope)",
            "met" if worst >= 1.0 else "missed",
        )
    )
    result.data = {"ratios": ratios}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
