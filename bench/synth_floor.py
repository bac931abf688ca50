"""Whole-process synthesis of the example app against a one-topic app (the jsii floor).

Both run as fresh ``python`` processes, interleaved (floor, app, floor, app, ...) so that load
from other processes on the machine hits both alike; the ratio of medians is the figure.
"""

from __future__ import annotations

import sys
import tempfile

from bench.common import REPO, Result, Target, bench_env, median, run_process, runs, spread

TARGET_RATIO = 2.5


#: name -> (script, extra environment). ``CDK_VALIDATION=false`` turns off aws-cdk-lib's built-in
#: CloudFormation validation (a WASM rules engine that runs in every synth since 2.27x).
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "floor": ("bench/apps/one_topic.py", {}),
    "floor_noval": ("bench/apps/one_topic.py", {"CDK_VALIDATION": "false"}),
    "app": ("app.py", {}),
    "app_noval": ("app.py", {"CDK_VALIDATION": "false"}),
}


def measure(n: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(n):
        for name, (script, extra) in VARIANTS.items():
            with tempfile.TemporaryDirectory() as out:
                times[name].append(run_process([sys.executable, script], env=bench_env(CDK_OUTDIR=out, **extra)))
    return times


def run() -> Result:
    n = runs(4, 2)
    # One unmeasured round first: the first process after an idle spell pays for cold file caches.
    measure(1)
    times = measure(n)
    floor, full = times["floor"], times["app"]
    floor_noval, app_noval = times["floor_noval"], times["app_noval"]
    ratio = median(full) / median(floor)
    stacks = sorted(p.name for p in (REPO / "stacks").glob("*_stack.py"))
    result = Result("synth_floor", "Synthesis: whole example app vs the jsii floor")
    result.lines.append(
        f"Fresh `python` processes, {n} interleaved runs of each variant (plus one warm-up round); medians, "
        f"min..max in brackets. The app has {len(stacks)} example stack modules and cdk-nag AwsSolutions."
    )
    result.lines.append("")
    rows: list[tuple[str, list[float]]] = [
        ("one-topic app (`bench/apps/one_topic.py`): **the floor**", floor),
        ("one-topic app, `CDK_VALIDATION=false`", floor_noval),
        ("example app (`app.py`)", full),
        ("example app, `CDK_VALIDATION=false`", app_noval),
    ]
    result.table(["process", "median s", "min..max s"], [[name, f"{median(t):.2f}", spread(t)] for name, t in rows])
    result.table(
        ["ratio of medians", "value"],
        [
            ["**example app / floor** (the target)", f"**{ratio:.2f}x**"],
            ["both without aws-cdk-lib's built-in validation", f"{median(app_noval) / median(floor_noval):.2f}x"],
            ["built-in validation in the example app, s per process", f"{median(full) - median(app_noval):.1f}"],
            ["built-in validation in the one-topic app, s per process", f"{median(floor) - median(floor_noval):.1f}"],
        ],
    )
    result.targets.append(
        Target(
            f"full-app synth within {TARGET_RATIO}x the floor",
            f"{ratio:.2f}x ({median(full):.1f} s vs {median(floor):.1f} s)",
            "met" if ratio <= TARGET_RATIO else "missed",
        )
    )
    result.data = {**times, "ratio": ratio}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
