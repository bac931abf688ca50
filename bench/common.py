"""Shared helpers: run counts, medians, subprocess timing and the result shape of every bench."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scripts.repo_env import repo_env

REPO = Path(__file__).resolve().parent.parent
#: ``BENCH_QUICK=1``: fewer runs and smaller sizes, for a smoke run; the report says so.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def runs(full: int, quick: int = 1) -> int:
    """How many repetitions: ``full`` normally, ``quick`` in quick mode (``BENCH_RUNS`` overrides)."""
    override = os.environ.get("BENCH_RUNS")
    if override:
        return max(1, int(override))
    return quick if QUICK else full


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """``min..max`` of a sample, to show how noisy a median is."""
    return f"{min(values):.2f}..{max(values):.2f}" if values else "-"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench_env(**extra: str) -> dict[str, str]:
    """The environment ``make`` gives its recipes: the venv's Node 24 first on PATH, offline CDK."""
    return repo_env(extra=extra)


def run_process(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path = REPO) -> float:
    """Wall time of one process run to completion; raises with its output if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, env=env or bench_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


def run_process_cpu(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path = REPO) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the process and every child it waited for) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run_process(cmd, env=env, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


@dataclass
class Target:
    """One target of the issue with its measured figure and verdict (met, missed, not measured)."""

    target: str
    measured: str
    verdict: str
    explanation: str = ""


@dataclass
class Result:
    """What one bench hands to the report: a section of Markdown and its targets."""

    name: str
    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for row in rows:
            self.lines.append("| " + " | ".join(str(c) for c in row) + " |")
        self.lines.append("")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> Result:
        data = json.loads(text)
        targets = [Target(**t) for t in data.pop("targets")]
        return Result(targets=targets, **data)


def emit(result: Result) -> None:
    """Print a bench's section; with ``--json FILE`` also write it for ``bench.run``."""
    print(f"## {result.title}\n")
    print("\n".join(result.lines))
    for t in result.targets:
        print(f"- target: {t.target}: {t.measured} -> {t.verdict.upper()}")
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(result.to_json())
