"""``make diff``: stale snapshots are rendered by the pinned CLI and fail; fresh ones say so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scripts import snapshot_diff
from tests.harness import SynthResult


def test_current_code_matches_the_committed_snapshots(synth: SynthResult) -> None:
    assert snapshot_diff.snapshot_stacks() == sorted(synth.normalized)
    results = snapshot_diff.diff_stacks(synth.outdir, synth.normalized)
    assert {r.stack for r in results} == set(synth.normalized)
    assert [r for r in results if r.stale] == []
    text = snapshot_diff.report(results)
    assert all(f"{stack}: no changes" in text for stack in synth.normalized)


def test_removed_stack_snapshot_is_stale(synth: SynthResult, tmp_path: Path) -> None:
    for stack in synth.normalized:
        shutil.copy(snapshot_diff.snapshot_path(stack), snapshot_diff.snapshot_path(stack, tmp_path))
    snapshot_diff.snapshot_path("ButtressGone", tmp_path).write_text("{}")
    results = {r.stack: r for r in snapshot_diff.diff_stacks(synth.outdir, synth.normalized, snapshot_dir=tmp_path)}
    assert results["ButtressGone"].status == "removed"
    assert "stale snapshots: ButtressGone" in snapshot_diff.report(list(results.values()))


@pytest.mark.slow
def test_changed_stack_shows_the_cli_security_tables_and_fails(synth: SynthResult, tmp_path: Path) -> None:
    """A snapshot whose SG rule and IAM statement differ from the code: the CLI's tables show both."""
    stack = "ButtressNetwork"
    old = json.loads(snapshot_diff.snapshot_path(stack).read_text())
    resources = old["Resources"]
    sg = next(
        r
        for r in resources.values()
        if r["Type"] == "AWS::EC2::SecurityGroup" and "SecurityGroupIngress" in r["Properties"]
    )
    sg["Properties"]["SecurityGroupIngress"][0]["CidrIp"] = "0.0.0.0/0"
    policy = next(r for r in resources.values() if r["Type"] == "AWS::IAM::Policy")
    policy["Properties"]["PolicyDocument"]["Statement"][0]["Action"] = "logs:*"
    snapshot_diff.snapshot_path(stack, tmp_path).write_text(json.dumps(old))

    [result] = snapshot_diff.diff_stacks(synth.outdir, synth.normalized, snapshot_dir=tmp_path, only=[stack])
    assert result.status == "changed"
    assert "IAM Statement Changes" in result.rendered
    assert "Security Group Changes" in result.rendered
    assert "0.0.0.0/0" in result.rendered and "logs:*" in result.rendered
    assert "[~] AWS::EC2::SecurityGroup" in result.rendered


def test_main_exit_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert snapshot_diff.main([]) == 0
    assert "no changes" in capsys.readouterr().out
    assert snapshot_diff.main(["--snapshot-dir", str(tmp_path), "ButtressNetwork"]) == 1  # no snapshot at all
