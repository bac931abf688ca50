"""The GitHub workflows and Dependabot config pass zizmor (offline), and a workflow that adds a finding fails.

``make zizmor`` runs the same command; these tests keep it honest: zizmor must still catch an
unpinned action, and every ``uses:`` pins a full commit SHA with its release in a comment (the form
Dependabot updates, docs/review.md "Pinned actions").
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # cfn-lint depends on PyYAML; no stubs pinned

from tests.harness import REPO

ZIZMOR = shutil.which("zizmor", path=str(Path(sys.executable).parent))
GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})\s+#\s+v\d+(\.\d+)*\s*$")

BAD = """name: bad
on: pull_request
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def _zizmor(*inputs: Path) -> subprocess.CompletedProcess[str]:
    assert ZIZMOR, "zizmor is not installed in this venv (requirements-dev.txt)"
    cmd = [ZIZMOR, "--offline", "--quiet", "--format", "plain", *map(str, inputs)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_repository_workflows_have_no_zizmor_finding() -> None:
    proc = _zizmor(GITHUB)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_new_workflow_with_findings_fails(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(BAD)
    proc = _zizmor(tmp_path / ".github")
    assert proc.returncode != 0
    for audit in ("unpinned-uses", "artipacked", "template-injection"):
        assert audit in proc.stdout, proc.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_sha_with_its_release(workflow: Path) -> None:
    lines = [line for line in workflow.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert lines
    assert [line for line in lines if not PINNED.match(line)] == []


def test_one_sha_per_action_across_workflows() -> None:
    """Dependabot bumps every workflow at once; two SHAs for one action means a copy was edited by hand."""
    shas: dict[str, set[str]] = {}
    for workflow in WORKFLOWS:
        for line in workflow.read_text().splitlines():
            if match := PINNED.match(line):
                shas.setdefault(match["action"], set()).add(line.split("@", 1)[1].strip())
    assert {action: found for action, found in shas.items() if len(found) > 1} == {}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege(workflow: Path) -> None:
    """No token by default; every job declares what it needs; only a comment job writes; no persisted credentials."""
    loaded = yaml.safe_load(workflow.read_text())
    assert loaded["permissions"] == {}
    for name, job in loaded["jobs"].items():
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes <= ({"pull-requests"} if name == "comment" else set()), name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_dependabot_updates_every_pinned_ecosystem() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text())
    assert {u["package-ecosystem"] for u in config["updates"]} == {"pip", "npm", "github-actions"}


def test_pre_commit_hooks_run_the_venvs_tools_offline() -> None:
    """Every hook is local (nothing to download) and its program is the pinned one in .venv."""
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert {"ruff-check", "ruff-format", "mypy", "lint-imports", "api-check", "zizmor", "docs"} <= {
        hook["id"] for hook in hooks
    }
    for hook in hooks:
        program = hook["entry"].split()[0]
        assert program.startswith(".venv/bin/") and hook["language"] == "system", hook["id"]
        assert (REPO / program).exists(), f"{hook['id']}: {program} is not installed (requirements-dev.txt)"
    for path in [arg for hook in hooks for arg in hook["entry"].split() if arg.startswith("tests/")]:
        assert (REPO / path).is_file(), path
