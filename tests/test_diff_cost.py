"""``make diff`` shows the fixed-cost change of every stale stack next to its template diff."""

from __future__ import annotations

import json
from pathlib import Path

from scripts import snapshot_diff
from tests.harness import SynthResult


def test_removed_stack_reports_the_cost_it_takes_away(synth: SynthResult, tmp_path: Path) -> None:
    gone = {"Resources": {"Nat": {"Type": "AWS::EC2::NatGateway"}, "Key": {"Type": "AWS::KMS::Key"}}}
    snapshot_diff.snapshot_path("ButtressGone", tmp_path).write_text(json.dumps(gone))
    [result] = snapshot_diff.diff_stacks(synth.outdir, synth.normalized, snapshot_dir=tmp_path, only=["ButtressGone"])
    assert result.status == "removed"
    assert "ButtressGone fixed monthly cost: $33.85 -> $0.00 (-$33.85)" in result.rendered
    assert "NAT gateway: 1 -> 0 (-$32.85/month)" in result.rendered


def test_cost_change_of_a_changed_network() -> None:
    old = json.loads(snapshot_diff.snapshot_path("ButtressNetwork").read_text())
    new = json.loads(json.dumps(old))
    nat = next(k for k, r in new["Resources"].items() if r["Type"] == "AWS::EC2::NatGateway")
    del new["Resources"][nat]
    text = snapshot_diff.cost_change("ButtressNetwork", old, new)
    assert text.startswith("ButtressNetwork fixed monthly cost: $131.40 -> $98.55 (-$32.85)")
    assert snapshot_diff.cost_change("ButtressNetwork", old, old).endswith("(+$0.00)")
