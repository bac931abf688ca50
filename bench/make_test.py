"""Warm ``make test`` and ``make test-quick``: wall and CPU time, and how a run splits.

The target is judged on ``make test`` as users and CI run it (pytest on every core). The split
needs one process, so it comes from an extra run with ``PYTEST_WORKERS=0`` (tests in series).
``make test`` runs as a user runs it (ruff, mypy, pytest), with the venv, node_modules and the
mypy cache already there (warm). pytest loads ``bench.pytest_timing`` through ``PYTEST_ADDOPTS``
to time the session synthesis of the example app and every construct-test synthesis.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.common import REPO, Result, Target, bench_env, median, run_process, run_process_cpu, runs, spread

TARGET_SECONDS = 120.0
QUICK_TARGET_SECONDS = 30.0


def one_run() -> tuple[float, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        timing = Path(tmp) / "timing.json"
        env = bench_env(PYTEST_ADDOPTS="-p bench.pytest_timing", BENCH_TIMING_FILE=str(timing))
        wall = run_process(["make", "test", "PYTEST_WORKERS=0"], env=env)
        stats: dict[str, Any] = json.loads(timing.read_text())
    return wall, stats


def run() -> Result:
    if not (REPO / ".mypy_cache").exists():
        one_run()  # warm the mypy cache: the target is a warm run
    n = runs(2, 1)
    timed = [run_process_cpu(["make", "test"], env=bench_env()) for _ in range(n)]
    walls, cpus = [w for w, _ in timed], [c for _, c in timed]
    quick = [run_process_cpu(["make", "test-quick"], env=bench_env()) for _ in range(runs(3, 1))]
    quick_walls, quick_cpus = [w for w, _ in quick], [c for _, c in quick]
    wall, stats = one_run()
    session = stats["session"]
    app_synth, construct = stats["app_synth"], stats["construct_synth"]
    outside = wall - session
    collection = stats["collection"] - (app_synth if stats.get("app_synth_in_collection") else 0.0)
    slow = stats.get("slow_tests", 0.0)
    rest = session - app_synth - construct - collection - slow
    slowest = sorted(stats["tests"].items(), key=lambda kv: -kv[1])[:5]

    def pct(x: float) -> str:
        return f"{100 * x / wall:.0f}%"

    result = Result("make_test", "Warm `make test`")
    result.lines.append(
        f"{n} run(s) of `make test` (ruff check, ruff format --check, mypy --strict, pytest) with caches warm; "
        f"median {median(walls):.1f} s (min..max {spread(walls)}) with pytest on every core (pytest-xdist), "
        f"{median(cpus):.0f} s of CPU (user + system, every process). `make test-quick` (ruff check and the "
        f"test modules that synthesize nothing): median {median(quick_walls):.1f} s ({spread(quick_walls)}), "
        f"{median(quick_cpus):.0f} s of CPU. `make test` leaves out the tests marked slow (`make test-slow`; CI "
        "runs `make test-all`, which is both). "
        f"Split of one more run with the tests in series (`PYTEST_WORKERS=0`, {wall:.1f} s):"
    )
    result.lines.append("")
    result.table(
        ["part", "seconds", "share"],
        [
            ["ruff + mypy + make + interpreter start (outside the pytest session)", f"{outside:.1f}", pct(outside)],
            ["example-app synthesis, once per session (`tests/harness.py`)", f"{app_synth:.1f}", pct(app_synth)],
            [
                f"construct-test synthesis ({stats['construct_synth_calls']} `Template.from_stack`/`App.synth` calls)",
                f"{construct:.1f}",
                pct(construct),
            ],
            [
                "pytest collection: importing test modules (aws_cdk, jsii start, moto)",
                f"{collection:.1f}",
                pct(collection),
            ],
            ["tests marked `slow` (the CDK CLI, moto's server, a throwaway venv)", f"{slow:.1f}", pct(slow)],
            ["every other test (cfn-lint, moto, hypothesis, assertions)", f"{rest:.1f}", pct(rest)],
            ["**total**", f"**{wall:.1f}**", "100%"],
        ],
    )
    if slow:
        result.lines.append(
            f"Without the tests marked `slow` (`pytest -m 'not slow'`) that run would have taken about "
            f"{wall - slow:.0f} s."
        )
        result.lines.append("")
    result.lines.append("Slowest tests of that run (call phase plus fixtures):")
    result.lines.append("")
    result.table(["test", "seconds"], [[f"`{name}`", f"{secs:.2f}"] for name, secs in slowest])
    without_slow = f"; about {wall - slow:.0f} s without the tests marked slow" if slow else ""
    result.targets.append(
        Target(
            f"warm `make test` under {TARGET_SECONDS:.0f} s",
            f"{median(walls):.1f} s on every core; {wall:.1f} s in series (synthesis "
            f"{100 * (app_synth + construct) / wall:.0f}% of it{without_slow})",
            "met" if round(median(walls), 1) <= TARGET_SECONDS else "missed",
            "synthesis is a small share; the moto-backed runtime tests and construct tests are most of it "
            "(see the notes at the end)",
        )
    )
    result.targets.append(
        Target(
            f"warm `make test-quick` under {QUICK_TARGET_SECONDS:.0f} s",
            f"{median(quick_walls):.1f} s wall, {median(quick_cpus):.0f} s CPU",
            "met" if round(median(quick_walls), 1) <= QUICK_TARGET_SECONDS else "missed",
            "shared machine: see the CPU time",
        )
    )
    result.data = {
        "walls": walls,
        "cpus": cpus,
        "quick_walls": quick_walls,
        "quick_cpus": quick_cpus,
        "split": {k: v for k, v in stats.items() if k != "tests"},
    }
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
