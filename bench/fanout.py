"""``FanoutTopic`` with 10, 50, 100 and 200 filtered subscribers: time, resources, bytes, linearity, guards.

Runs in one process (jsii started once, one unmeasured warm-up build first): per size, a new
App and Stack, a ``FanoutTopic`` and N HTTPS subscribers each with its own filter policy (one
CloudFormation resource each, so 200 fit in a stack), then ``app.synth()``. Sizes are interleaved
over the runs. Then the guards: subscribers are added until ``ButtressError``, and the template of
what was accepted is measured against CloudFormation's 500 resources and 1,000,000 bytes.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import QUICK, Result, Target, median, runs

SIZES = [10, 50, 100, 200]
CFN_RESOURCES = 500
CFN_BYTES = 1_000_000
#: Marginal time per subscriber at the largest sizes over that at the smallest: linear if <= this.
LINEAR_TOLERANCE = 2.0


def small_policy(i: int) -> dict[str, Any]:
    return {"color": ["red", f"c{i}"], "price": [{"numeric": [">", i]}]}


def big_policy(i: int) -> dict[str, Any]:
    """140 values of ~400 characters: a valid policy of about 60 KB."""
    return {"event": [f"{i:03d}-{j:03d}-" + "x" * 400 for j in range(140)]}


def _app(outdir: str) -> Any:
    from aws_cdk import App

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    return App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()}, outdir=outdir)


def build(n: int, add: str = "https", policy: Callable[[int], dict[str, Any]] = small_policy) -> dict[str, Any]:
    from aws_cdk import Stack

    from buttress import ButtressError, FanoutTopic

    with tempfile.TemporaryDirectory() as out:
        app = _app(out)
        stack = Stack(app, "BenchFanout")
        start = time.perf_counter()
        topic = FanoutTopic(stack, "Fanout")
        accepted = 0
        error = ""
        for i in range(n):
            try:
                if add == "https":
                    topic.add_https_endpoint(f"Sub{i}", f"https://example.com/hook/{i}", filter_policy=policy(i))
                else:
                    topic.add_queue(f"Sub{i}", filter_policy=policy(i))
            except ButtressError as exc:
                error = str(exc)
                break
            accepted += 1
        built = time.perf_counter()
        app.synth()
        done = time.perf_counter()
        path = Path(out) / "BenchFanout.template.json"
        resources = len(json.loads(path.read_text())["Resources"])
        return {
            "n": accepted,
            "construct": built - start,
            "synth": done - built,
            "total": done - start,
            "resources": resources,
            "bytes": path.stat().st_size,
            "error": error,
        }


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares: slope, intercept, R squared."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys) or 1e-12
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return slope, intercept, 1 - ss_res / ss_tot


def run() -> Result:
    sizes = SIZES
    n = runs(3, 1)
    build(50)  # warm-up: the first synth of a process loads most of aws-cdk-lib in Node
    samples: dict[int, list[dict[str, Any]]] = {s: [] for s in sizes}
    for _ in range(n):
        for size in sizes:
            samples[size].append(build(size))
    rows = []
    med: dict[int, dict[str, float]] = {}
    for size in sizes:
        runs_ = samples[size]
        med[size] = {k: median([r[k] for r in runs_]) for k in ("construct", "synth", "total", "resources", "bytes")}
        m = med[size]
        rows.append(
            [
                size,
                f"{m['construct']:.2f}",
                f"{m['synth']:.2f}",
                f"{m['total']:.2f}",
                f"{1000 * m['total'] / size:.1f}",
                int(m["resources"]),
                f"{int(m['bytes']):,}",
            ]
        )
    xs = [float(s) for s in sizes]
    t_slope, t_icpt, t_r2 = _fit(xs, [med[s]["total"] for s in sizes])
    r_slope, r_icpt, r_r2 = _fit(xs, [med[s]["resources"] for s in sizes])
    b_slope, b_icpt, b_r2 = _fit(xs, [med[s]["bytes"] for s in sizes])
    # Marginal cost over two wide spans (10 -> 100, 100 -> 200): narrow ones drown in noise.
    mid = sizes[-2]
    first = (med[mid]["total"] - med[sizes[0]]["total"]) / (mid - sizes[0])
    last = (med[sizes[-1]]["total"] - med[mid]["total"]) / (sizes[-1] - mid)
    marginal_ratio = last / first if first > 0 else float("inf")

    result = Result("fanout", "Fan-out scaling: `FanoutTopic` with N filtered subscribers")
    result.lines.append(
        f"N HTTPS subscribers, each with its own filter policy; {n} run(s) per size, interleaved, medians "
        "after one warm-up build. Construct = creating the topic and adding the subscribers; synth = "
        "`app.synth()` (no cdk-nag here)."
    )
    result.lines.append("")
    result.table(
        ["subscribers", "construct s", "synth s", "total s", "ms per subscriber", "resources", "template bytes"], rows
    )
    result.lines.append(
        f"Least-squares fits over N: time {1000 * t_slope:.1f} ms per subscriber + {t_icpt:.2f} s (R² {t_r2:.3f}); "
        f"resources {r_slope:.2f} per subscriber + {r_icpt:.0f} (R² {r_r2:.4f}); bytes {b_slope:,.0f} per "
        f"subscriber + {b_icpt:,.0f} (R² {b_r2:.4f}). Marginal time per subscriber between {mid} and "
        f"{sizes[-1]} over that between {sizes[0]} and {mid}: **{marginal_ratio:.2f}x** (1 = perfectly linear; "
        "the machine's noise makes anything under 2 indistinguishable from linear)."
    )
    result.lines.append("")

    # The guards, filled until they fire.
    guard_rows = []
    many = build(1000)  # small policies: the 500-resource guard
    queues = build(1000, add="queue")  # queues with their own dead-letter queue: 6 resources each
    big = build(1000, policy=big_policy)  # ~60 KB policies: the byte guard
    for label, g in (
        ("HTTPS, small policies", many),
        ("queues with own DLQ", queues),
        ("HTTPS, ~60 KB policies", big),
    ):
        fired = g["error"].split(";")[0][:90] if g["error"] else "did not fire"
        guard_rows.append([label, g["n"], g["resources"], f"{g['bytes']:,}", fired])
    result.lines.append(
        "Guards: subscribers added until `ButtressError`; the template of the accepted ones, synthesized:"
    )
    result.lines.append("")
    result.table(["subscribers", "accepted", "resources", "template bytes", "guard message (start)"], guard_rows)
    guards_ok = all(
        g["error"] and g["resources"] <= CFN_RESOURCES and g["bytes"] < CFN_BYTES for g in (many, queues, big)
    )
    linear = marginal_ratio <= LINEAR_TOLERANCE and r_r2 > 0.999 and b_r2 > 0.999
    result.targets.append(
        Target(
            "linear fan-out growth (10/50/100/200 subscribers)",
            f"{1000 * t_slope:.1f} ms, {r_slope:.2f} resources and {b_slope:,.0f} bytes per subscriber; "
            f"marginal-time ratio {marginal_ratio:.2f}x, R² time {t_r2:.3f}",
            "met" if linear else "missed",
        )
    )
    result.targets.append(
        Target(
            "guard fires before 500 resources and 1 MB",
            f"stops at {many['resources']} resources / {queues['resources']} resources (queues) / "
            f"{big['bytes']:,} bytes (big policies)",
            "met" if guards_ok else "missed",
        )
    )
    if QUICK:
        result.lines.append("(quick mode: one run per size)")
    result.data = {"medians": {str(k): v for k, v in med.items()}, "marginal_ratio": marginal_ratio}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
