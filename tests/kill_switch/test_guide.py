"""docs/kill-switch.md against the code it describes (issue 22, defect 3)."""

from __future__ import annotations

from pathlib import Path

from buttress._lambda_src.kill_switch.config import Kind
from buttress._lambda_src.kill_switch.plan import IAM_PRINCIPAL_TYPES

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "kill-switch.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return GUIDE.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_records_lists_every_key_form_the_store_writes() -> None:
    records = _section("The records")
    for kind in Kind:
        if kind == Kind.IAM:
            for type_ in IAM_PRINCIPAL_TYPES:
                assert f"`iam#{type_}/<name>`" in records, type_
        elif kind == Kind.SCP:  # an Organizations target (account or OU id), not an ARN
            assert "`scp#<target id>`" in records
        else:
            assert f"`{kind.value}#<arn>`" in records, kind


def test_the_iam_section_says_which_kinds_share_actions_and_why() -> None:
    iam = _section("IAM: least privilege, and the `*` that cannot be avoided")
    assert "except for Auto Scaling groups\nand EKS node groups" in iam
    assert "both roles hold the same actions" in iam


def test_both_auto_scaling_rows_give_the_same_restore_order() -> None:
    """Suspend the recorded processes, set the recorded sizes, resume the others: in both tables."""
    rows = [line for line in GUIDE.splitlines() if line.startswith(("| `auto_scaling_groups", "| EC2 Auto Scaling"))]
    assert len(rows) == 2
    for row in rows:
        restore = row.split(" | ")[-2] if row.startswith("| EC2") else row.split(" | ")[-1]
        positions = [restore.find(word) for word in ("uspend", "sizes", "esume")]
        positions[1] = restore.find("UpdateAutoScalingGroup") if positions[1] < 0 else positions[1]
        assert -1 not in positions and positions == sorted(positions), restore
