"""The compliance plugins' cost: the example app synthesized with and without them, whole processes.

Variants (``bench/apps/compliance_app.py``), interleaved over the runs so that load from other
processes hits them alike: no plugin, the five cdk-nag packs, the Control Tower rules, all of them
(as ``app.py`` runs them) with no cfn-guard report cache, all of them with the cache warm, and all
of them the way before (``CfnGuardValidator`` as shipped, one cfn-guard process). Each run records
wall time and CPU time (user + system of the process and its children: Python, the jsii Node
process, cfn-guard), since on a shared machine wall time mostly measures the other jobs.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, Result, Target, bench_env, median, runs, spread

TARGET_RATIO = 1.2
#: name -> (mode of compliance_app.py, whether the cfn-guard report cache is on and warm).
VARIANTS: dict[str, tuple[str, bool]] = {
    "none": ("none", False),
    "nag": ("nag", False),
    "guard": ("guard", False),
    "all": ("all", False),
    "all_cached": ("all", True),
    "plain": ("plain", False),
}
LABELS = {
    "none": "no compliance plugin",
    "nag": "the five cdk-nag packs",
    "guard": "the Control Tower rules (cfn-guard, grouped by resource type)",
    "all": "all of them, as `app.py` (no cfn-guard report cache)",
    "all_cached": "all of them, cfn-guard report cache warm (`make synth`, tests)",
    "plain": "all of them, `CfnGuardValidator` as shipped (one cfn-guard process; before)",
}


def run_once(mode: str, cache: Path | None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one synthesis process."""
    extra = {"BUTTRESS_GUARD_CACHE": str(cache)} if cache else {}
    env = bench_env(**extra)
    if cache is None:
        env.pop("BUTTRESS_GUARD_CACHE", None)  # make exports it; this variant runs cfn-guard every time
    with tempfile.TemporaryDirectory() as out:
        env["CDK_OUTDIR"] = out
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "bench/apps/compliance_app.py", mode],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"compliance_app {mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(n: int, cache: Path) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in VARIANTS}
    for _ in range(n):
        for name, (mode, cached) in VARIANTS.items():
            wall, cpu = run_once(mode, cache if cached else None)
            times[name]["wall"].append(wall)
            times[name]["cpu"].append(cpu)
    return times


def run() -> Result:
    n = runs(3, 1)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        run_once("all", cache)  # fills the cache, and warms the file caches (unmeasured)
        times = measure(n, cache)
    base_wall, base_cpu = median(times["none"]["wall"]), median(times["none"]["cpu"])

    def ratios(name: str) -> tuple[float, float]:
        return median(times[name]["wall"]) / base_wall, median(times[name]["cpu"]) / base_cpu

    result = Result("compliance", "Compliance plugins: the example app with and without them")
    result.lines.append(
        f"Fresh `python bench/apps/compliance_app.py MODE` processes, {n} interleaved runs of each variant "
        "(plus one warm-up); medians, min..max in brackets. CPU is user + system time of the process and its "
        "children (Python, the jsii Node process, cfn-guard)."
    )
    result.lines.append("")
    rows = []
    for name in VARIANTS:
        wall_ratio, cpu_ratio = ratios(name)
        rows.append(
            [
                LABELS[name],
                f"{median(times[name]['wall']):.2f} ({spread(times[name]['wall'])})",
                f"{median(times[name]['cpu']):.2f} ({spread(times[name]['cpu'])})",
                f"{wall_ratio:.2f}x",
                f"{cpu_ratio:.2f}x",
            ]
        )
    result.table(["variant", "wall s", "CPU s", "wall / none", "CPU / none"], rows)
    cold_wall, cold_cpu = ratios("all")
    warm_wall, warm_cpu = ratios("all_cached")
    plain_wall, plain_cpu = ratios("plain")
    result.targets.append(
        Target(
            f"compliance plugins within {TARGET_RATIO}x of a synth without them",
            f"{cold_cpu:.2f}x CPU / {cold_wall:.2f}x wall with no report cache (before: {plain_cpu:.2f}x / "
            f"{plain_wall:.2f}x); {warm_cpu:.2f}x / {warm_wall:.2f}x with the cfn-guard cache warm",
            "met" if max(cold_cpu, cold_wall) <= TARGET_RATIO else "missed",
            "the cfn-guard binary's own work (a copy of every template per rule file) is what is left: "
            "met once its report cache is warm",
        )
    )
    result.data = {"times": times}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
