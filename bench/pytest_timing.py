"""pytest plugin (``-p bench.pytest_timing``): how a test session splits between synthesis and the rest.

It records the first (session) synthesis of the example app (``tests.harness.synthesize``), every
construct-test synthesis (``Template.from_stack``, ``App.synth``), collection (which includes
importing aws_cdk, i.e. starting jsii) and the slowest tests, and writes them as JSON to
``$BENCH_TIMING_FILE`` at the end of the session. It changes no result.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tests.harness as harness

STATS: dict[str, Any] = {
    "app_synth": 0.0,
    "construct_synth": 0.0,
    "construct_synth_calls": 0,
    "collection": 0.0,
    "app_synth_in_collection": False,
    "session": 0.0,
    "tests": {},
    "slow_tests": 0.0,
}
_inside_harness = False
_session_start = 0.0
_collect_start = 0.0
_collecting = False

_original_synthesize = harness.synthesize


@functools.wraps(_original_synthesize)
def _timed_synthesize() -> harness.SynthResult:
    global _inside_harness
    first = _original_synthesize.cache_info().currsize == 0
    _inside_harness = True
    start = time.perf_counter()
    try:
        return _original_synthesize()
    finally:
        _inside_harness = False
        if first:
            STATS["app_synth"] += time.perf_counter() - start
            STATS["app_synth_in_collection"] = _collecting


harness.synthesize = _timed_synthesize  # type: ignore[assignment]


def _wrap(owner: Any, name: str, *, static: bool) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        if _inside_harness:
            return original(*args, **kwargs)
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            STATS["construct_synth"] += time.perf_counter() - start
            STATS["construct_synth_calls"] += 1

    setattr(owner, name, staticmethod(timed) if static else timed)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _session_start
    _session_start = time.perf_counter()


def pytest_collectstart(collector: pytest.Collector) -> None:
    global _collect_start, _collecting
    if isinstance(collector, pytest.Session):
        _collect_start = time.perf_counter()
        _collecting = True


def pytest_collection_finish(session: pytest.Session) -> None:
    global _collecting
    _collecting = False
    STATS["collection"] = time.perf_counter() - _collect_start
    # Test modules have imported aws_cdk by now (if any test uses it): wrap its synthesis entry points.
    if "aws_cdk" in sys.modules:
        import aws_cdk
        from aws_cdk import assertions

        _wrap(assertions.Template, "from_stack", static=True)
        _wrap(aws_cdk.App, "synth", static=False)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tests = STATS["tests"]
    tests[report.nodeid] = tests.get(report.nodeid, 0.0) + report.duration
    if "slow" in report.keywords:
        STATS["slow_tests"] += report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    STATS["session"] = time.perf_counter() - _session_start
    target = os.environ.get("BENCH_TIMING_FILE")
    if target:
        Path(target).write_text(json.dumps(STATS))
