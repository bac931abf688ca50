"""Whole-process synthesis of the example app against a one-topic app (the jsii floor).

Both run as fresh ``python`` processes, interleaved (floor, app, floor, app, ...) so that load
from other processes on the machine hits both alike; the ratio of medians is the figure.
"""

from __future__ import annotations

import subprocess
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


def warm_rebuild() -> float:
    """Seconds of a second build + synth of the example app in one process (jsii and Node warm)."""
    proc = subprocess.run(
        [sys.executable, "bench/apps/warm_rebuild.py"],
        cwd=REPO,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(proc.stdout.strip().splitlines()[-1])


def run() -> Result:
    n = runs(4, 2)
    # One unmeasured round first: the first process after an idle spell pays for cold file caches.
    measure(1)
    times = measure(n)
    floor, full = times["floor"], times["app"]
    floor_noval, app_noval = times["floor_noval"], times["app_noval"]
    warm = [warm_rebuild() for _ in range(runs(3, 1))]
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
            [
                "example app built and synthesized again in the same process (jsii and Node warm), s",
                f"{median(warm):.2f}",
            ],
        ],
    )
    result.lines.append(
        "The last row is buttress's and the example stacks' own steady-state work; the rest of a process is "
        "Python importing aws_cdk, jsii and Node loading aws-cdk-lib on first use, and aws-cdk-lib's built-in "
        "validation (see the notes at the end)."
    )
    result.lines.append("")
    result.targets.append(
        Target(
            f"full-app synth within {TARGET_RATIO}x the floor",
            f"{ratio:.2f}x ({median(full):.1f} s vs {median(floor):.1f} s)",
            "met" if ratio <= TARGET_RATIO else "missed",
            f"jsii/aws-cdk-lib, not buttress: the app rebuilt warm in one process takes {median(warm):.1f} s; "
            "aws-cdk-lib's built-in validation and first-use loading make up the rest (see the notes)",
        )
    )
    result.data = {**times, "warm": warm, "ratio": ratio}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
