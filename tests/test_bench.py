"""Smoke tests of the bench code paths (``make bench``): shapes and arithmetic, never timings."""

from __future__ import annotations

import random

import pytest

from bench import common, fanout, kill_switch
from bench import filter_policy as fp_bench
from bench.run import render
from buttress.rules.filter_policy import matches, validate


def test_median_spread_and_result_round_trip() -> None:
    assert common.median([3.0, 1.0, 2.0]) == 2.0
    assert common.spread([1.0, 2.5]) == "1.00..2.50"
    result = common.Result("x", "X")
    result.table(["a", "b"], [[1, 2]])
    result.targets.append(common.Target("t", "1 s", "met"))
    again = common.Result.from_json(result.to_json())
    assert again == result
    assert again.lines[:2] == ["| a | b |", "|---|---:|"]


def test_runs_honours_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_RUNS", "4")
    assert common.runs(5, 1) == 4


def test_report_lists_every_target_and_failed_benches() -> None:
    ok = common.Result(
        "a", "Bench A", ["body"], [common.Target("fast", "1.2x", "met"), common.Target("t2", "9", "missed", "because")]
    )
    text = render([("a", ok, 1.0, ""), ("b", None, 2.0, "Traceback: boom")], "now", "1 / 1 / 1", 60.0)
    assert "| fast | 1.2x | met |" in text
    assert "| t2 | 9 | **MISSED**: because |" in text
    assert "| `b` bench | failed to run: see below | **not measured** |" in text
    assert "## `b`: failed" in text and "Traceback: boom" in text
    assert "## Bench A" in text


def test_linear_fit() -> None:
    slope, intercept, r2 = fanout._fit([10, 50, 100, 200], [3 + 2 * x for x in (10, 50, 100, 200)])
    assert slope == pytest.approx(2) and intercept == pytest.approx(3) and r2 == pytest.approx(1)


def test_generated_policies_are_valid_and_messages_match_in_both_shapes() -> None:
    rng = random.Random(1)
    policies = fp_bench.policies(rng, 50)
    for policy in policies:
        validate(policy)
    for attrs, body in fp_bench.messages(rng, 20):
        for policy in policies[:10]:
            # The notification shape (moto's) and the JSON body agree for these generated messages.
            assert matches(policy, attributes=attrs) == matches(policy, body=body, scope="MessageBody")


def test_guard_policies_are_valid() -> None:
    validate(fanout.big_policy(3))
    validate(fanout.small_policy(3))


def test_kill_switch_bench_runs_on_a_tiny_world(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kill_switch, "QUICK", True)
    monkeypatch.setattr(kill_switch, "SMALL", {"lambda": 4, "ecs": 2, "ec2": 2})
    monkeypatch.setenv("BENCH_RUNS", "1")
    result = kill_switch.run()
    assert [t.verdict for t in result.targets] == ["met", "met"]
    calls = result.data["calls"]
    assert calls["engage"]["PutFunctionConcurrency"] == 4
    assert calls["engage"]["StopInstances"] == 2
    assert calls["restore"]["StartInstances"] == 2


def test_construct_vs_plain_ratios_and_verdicts() -> None:
    from bench import construct_vs_plain as cvp

    times = {"buttress": {"wall": [2.0, 2.2, 2.4], "cpu": [3.0, 3.3, 3.6]}, "plain": {"wall": [2.0], "cpu": [3.0]}}
    wall, cpu = cvp.ratios(times)
    assert wall == pytest.approx(1.1) and cpu == pytest.approx(1.1)
    assert cvp.verdict({"network": 1.05, "fanout": 1.1}) == ("met (within the aim)", "")
    assert cvp.verdict({"network": 1.05, "fanout": 1.2}) == ("met", "over the 1.1x aim: fanout")
    assert cvp.verdict({"network": 1.35, "fanout": 1.2}) == ("missed", "over 1.3x: network 1.35x")


@pytest.mark.slow
@pytest.mark.parametrize("job", ["network", "fanout", "alb_fargate", "codebuild", "kill_switch"])
def test_the_plain_build_makes_the_resources_the_construct_makes(job: str) -> None:
    """The comparison stays fair: both sides synthesize the same kinds and counts of resources."""
    from collections import Counter

    from aws_cdk.assertions import Template

    from bench.apps import construct_vs_plain as apps
    from bench.apps.plain_builds import PLAIN

    counts = []
    for build in (apps.BUTTRESS[job], PLAIN[job]):
        _, stack = apps._stack()
        build(stack)
        resources = Template.from_stack(stack).to_json()["Resources"]
        counts.append(Counter(r["Type"] for r in resources.values()))
    assert counts[0] == counts[1]
