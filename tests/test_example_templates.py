"""Every example stack: snapshot, no synth warnings, cfn-lint clean (cdk-nag runs inside synth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.harness import SynthResult

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def snapshot_json(snapshot: Any) -> Any:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_snapshot(synth: SynthResult, stack_name: str, snapshot_json: Any) -> None:
    """One JSON snapshot per stack: the readable template diff of a pull request."""
    assert synth.normalized[stack_name] == snapshot_json


def test_no_warnings_or_errors(synth: SynthResult, stack_name: str) -> None:
    """aws-cdk-lib warnings (e.g. minHealthyPercent) are findings to fix, not noise."""
    bad = [m for m in synth.messages[stack_name] if m[0].lower().endswith(("warning", "error"))]
    assert bad == []


def test_cfn_lint_clean(synth: SynthResult, stack_name: str) -> None:
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(regions=["us-east-1"], ignore_checks=_ignored_rules())
    matches = lint_file(synth.outdir / f"{stack_name}.template.json", config=config)
    assert [str(m) for m in matches] == []


def _ignored_rules() -> list[str]:
    """Rules listed in tests/cfn_lint_ignore.txt, each with its reason after a '#'."""
    rules = []
    for line in (REPO / "tests" / "cfn_lint_ignore.txt").read_text().splitlines():
        rule = line.split("#", 1)[0].strip()
        if rule:
            assert "#" in line, f"cfn-lint ignore {rule} needs a reason"
            rules.append(rule)
    return rules
