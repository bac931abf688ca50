"""Each construct against the nearest plain aws-cdk-lib build of the same job: whole-process synth.

What a user waits for: ``python app.py`` with one construct (its defaults, an explicit environment)
against the same job written with aws-cdk-lib alone (``bench/apps/plain_builds.py``, the same kinds
and counts of resources; the table shows both counts). Fresh processes, the two sides of a job
run back to back and the jobs interleaved over the rounds, so that load from other processes hits
both alike. The verdict is on CPU (user + system of the process and its children: Python and the
jsii Node process), which other jobs on a shared machine move much less than wall time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.apps.construct_vs_plain import JOBS
from bench.common import REPO, Result, Target, bench_env, median, runs, spread

#: The guide's bound: each construct within 1.3x of the plain build (aim 1.1x).
TARGET_RATIO = 1.3
AIM_RATIO = 1.1
SIDES = ("buttress", "plain")


def run_once(job: str, side: str) -> tuple[float, float, int]:
    """Wall and CPU seconds of one synthesis process, and the resources it synthesized."""
    with tempfile.TemporaryDirectory() as out:
        env = bench_env(CDK_OUTDIR=out, PYTHONPATH=str(REPO))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "bench/apps/construct_vs_plain.py", job, side],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"{job} {side} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        template = json.loads((Path(out) / "Bench.template.json").read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, len(template.get("Resources", {}))


def measure(n: int) -> tuple[dict[str, dict[str, dict[str, list[float]]]], dict[str, dict[str, int]]]:
    times: dict[str, dict[str, dict[str, list[float]]]] = {
        job: {side: {"wall": [], "cpu": []} for side in SIDES} for job in JOBS
    }
    resources: dict[str, dict[str, int]] = {job: {} for job in JOBS}
    for round_ in range(n + 1):  # round 0 warms the file caches, unmeasured
        for job in JOBS:
            order = SIDES if round_ % 2 else tuple(reversed(SIDES))
            for side in order:
                wall, cpu, count = run_once(job, side)
                resources[job][side] = count
                if round_:
                    times[job][side]["wall"].append(wall)
                    times[job][side]["cpu"].append(cpu)
    return times, resources


def ratios(times: dict[str, dict[str, list[float]]]) -> tuple[float, float]:
    """buttress / plain, (wall, CPU), of medians."""
    wall = median(times["buttress"]["wall"]) / median(times["plain"]["wall"])
    cpu = median(times["buttress"]["cpu"]) / median(times["plain"]["cpu"])
    return wall, cpu


def verdict(cpu_ratios: dict[str, float]) -> tuple[str, str]:
    worst = max(cpu_ratios.values())
    if worst <= AIM_RATIO:
        return "met (within the aim)", ""
    if worst <= TARGET_RATIO:
        return "met", f"over the {AIM_RATIO}x aim: {', '.join(j for j, r in cpu_ratios.items() if r > AIM_RATIO)}"
    over = ", ".join(f"{j} {r:.2f}x" for j, r in cpu_ratios.items() if r > TARGET_RATIO)
    return "missed", f"over {TARGET_RATIO}x: {over}"


def run() -> Result:
    n = runs(5, 1)
    times, resources = measure(n)
    result = Result("construct_vs_plain", "Each construct against the same job in plain aws-cdk-lib")
    result.lines.append(
        f"Fresh `python bench/apps/construct_vs_plain.py JOB SIDE` processes: one construct with its defaults "
        f"(explicit environment, cdk.json's flags, no compliance plugin), or the nearest plain aws-cdk-lib "
        f"build of the same job (`bench/apps/plain_builds.py`). {n} rounds after one warm-up, the two sides of "
        "a job back to back, alternating which goes first; medians, min..max in brackets. CPU is user + system "
        "of the process and its children (Python, the jsii Node process)."
    )
    result.lines.append("")
    rows = []
    cpu_ratios: dict[str, float] = {}
    for job in JOBS:
        wall_ratio, cpu_ratio = ratios(times[job])
        cpu_ratios[job] = cpu_ratio
        t = times[job]
        rows.append(
            [
                f"`{job}`",
                f"{resources[job]['buttress']} / {resources[job]['plain']}",
                f"{median(t['buttress']['cpu']):.2f} ({spread(t['buttress']['cpu'])})",
                f"{median(t['plain']['cpu']):.2f} ({spread(t['plain']['cpu'])})",
                f"**{cpu_ratio:.2f}x**",
                f"{median(t['buttress']['wall']):.2f} / {median(t['plain']['wall']):.2f}",
                f"{wall_ratio:.2f}x",
            ]
        )
    result.table(
        ["job", "resources (buttress / plain)", "buttress CPU s", "plain CPU s", "CPU ratio", "wall s", "wall ratio"],
        rows,
    )
    state, explanation = verdict(cpu_ratios)
    result.targets.append(
        Target(
            f"each construct's whole-process synth within {TARGET_RATIO}x (aim {AIM_RATIO}x) of the plain "
            "aws-cdk-lib build of the same job",
            ", ".join(f"{job} {ratio:.2f}x" for job, ratio in cpu_ratios.items()) + " (CPU)",
            state,
            explanation,
        )
    )
    result.data = {"times": times, "resources": resources}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
