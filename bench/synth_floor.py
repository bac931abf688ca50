"""Whole-process synthesis of the example app against a one-topic app (the jsii floor).

Both run as fresh ``python`` processes, interleaved (floor, app, floor, app, ...) so that load
from other processes on the machine hits both alike; the ratio of medians is the figure.
"""

from __future__ import annotations

import sys
import tempfile

from bench.common import REPO, Result, Target, bench_env, median, run_process, runs, spread

TARGET_RATIO = 2.5


def measure(n: int) -> tuple[list[float], list[float]]:
    floor: list[float] = []
    full: list[float] = []
    for _ in range(n):
        with tempfile.TemporaryDirectory() as out:
            floor.append(run_process([sys.executable, "bench/apps/one_topic.py"], env=bench_env(CDK_OUTDIR=out)))
        with tempfile.TemporaryDirectory() as out:
            full.append(run_process([sys.executable, "app.py"], env=bench_env(CDK_OUTDIR=out)))
    return floor, full


def run() -> Result:
    n = runs(5, 2)
    # One unmeasured round first: the first process after an idle spell pays for cold file caches.
    measure(1)
    floor, full = measure(n)
    ratio = median(full) / median(floor)
    stacks = sorted(p.name for p in (REPO / "stacks").glob("*_stack.py"))
    result = Result("synth_floor", "Synthesis: whole example app vs the jsii floor")
    result.lines.append(
        f"Fresh `python` processes, {n} interleaved runs each (plus one warm-up round); medians, "
        f"min..max in brackets. The app has {len(stacks)} example stack modules and cdk-nag AwsSolutions."
    )
    result.lines.append("")
    result.table(
        ["process", "median s", "min..max s"],
        [
            ["one-topic app (`bench/apps/one_topic.py`)", f"{median(floor):.2f}", spread(floor)],
            ["example app (`app.py`)", f"{median(full):.2f}", spread(full)],
            ["**ratio app / floor**", f"**{ratio:.2f}x**", ""],
        ],
    )
    result.targets.append(
        Target(
            f"full-app synth within {TARGET_RATIO}x the floor",
            f"{ratio:.2f}x ({median(full):.1f} s vs {median(floor):.1f} s)",
            "met" if ratio <= TARGET_RATIO else "missed",
        )
    )
    result.data = {"floor": floor, "full": full, "ratio": ratio}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
