"""``buttress-review --format json`` and acknowledgements: the report and the JSON agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from buttress.tools.assembly import write_assembly
from buttress.tools.review import SCHEMA, main, render_markdown, review_data, review_templates
from scripts.review_sample import base_templates, head_templates


def res(type_: str, **props: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": props}


def tpl(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


def test_markdown_is_rendered_from_the_json_data() -> None:
    base = base_templates()
    review = review_templates(base, head_templates(base), base_label="main", head_label="pr")
    data = json.loads(json.dumps(review_data(review)))  # what --format json prints, read back
    assert render_markdown(data) == render_markdown(review)
    assert data["schema"] == SCHEMA == "buttress-review/1"
    assert data["triggered"] == ["stateful", "widening", "cost"]
    assert [(c["resource"], c["change"]) for c in data["stateful_at_risk"]] == [
        ("BetaKillSwitchRecords0249916D", "replaced"),
        ("BetaKillSwitchRestoreLogs1DB60143", "removed"),
    ]
    assert data["summary"]["widenings"] == len(data["widenings"]) == 2
    assert data["widenings"][0]["public"] is True


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    before = tpl(T=res("AWS::DynamoDB::Table", TableName="a"), Role=res("AWS::IAM::Role", ManagedPolicyArns=[]))
    after = tpl(
        T=res("AWS::DynamoDB::Table", TableName="b"),
        Role=res("AWS::IAM::Role", ManagedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
    )
    return write_assembly(tmp_path / "base", {"App": before}), write_assembly(tmp_path / "head", {"App": after})


def test_format_json_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _pair(tmp_path)
    assert main([str(base), str(head), "--no-cfn-lint", "--format", "json", "--base-label", "main"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["base"], data["triggered"]) == ("main", ["stateful", "widening"])
    assert {c["resource"]: c["action"] for c in data["stacks"][0]["changes"]} == {"Role": "changed", "T": "replaced"}


def _acks(tmp_path: Path, *entries: dict[str, str]) -> Path:
    path = tmp_path / "review-acknowledgements.json"
    path.write_text(json.dumps({"version": 1, "acknowledgements": list(entries)}))
    return path


def test_acknowledged_changes_are_ignored_by_fail_on_and_print_their_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = _pair(tmp_path)
    table = {"stack": "App", "resource": "T", "kind": "stateful", "reason": "empty table, renamed on purpose"}
    acks = _acks(tmp_path, table)
    assert main([str(base), str(head), "--no-cfn-lint", "--acknowledgements", str(acks)]) == 1  # the role still widens
    out = capsys.readouterr().out
    assert "`TableName` is create-only — **acknowledged**: empty table, renamed on purpose |" in out
    role = {"stack": "App", "resource": "Role", "kind": "widening", "reason": "read-only for the auditors"}
    unused = {"stack": "App", "resource": "Gone", "kind": "update", "reason": "old"}
    acks = _acks(tmp_path, table, role, unused)
    assert main([str(base), str(head), "--no-cfn-lint", "--acknowledgements", str(acks), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["triggered"] == [] and data["widenings"][0]["acknowledged"] == "read-only for the auditors"
    assert [a["resource"] for a in data["acknowledgements"]["unused"]] == ["Gone"]
    assert "Acknowledgement not used" in render_markdown(data)


def test_acknowledgement_file_read_from_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, head = _pair(tmp_path)
    _acks(
        tmp_path,
        {"stack": "App", "resource": "T", "kind": "stateful", "reason": "r"},
        {"stack": "App", "resource": "${Role}", "kind": "widening", "reason": "r"},
    )
    monkeypatch.chdir(tmp_path)
    assert main([str(base), str(head), "--no-cfn-lint"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", 'expected {"version": 1, "acknowledgements": [...]}'),
        ('{"version": 1, "acknowledgements": [{"stack": "App", "resource": "T", "kind": "stateful"}]}', "reason"),
        (
            '{"version": 1, "acknowledgements": [{"stack": "A", "resource": "T", "kind": "cost", "reason": "r"}]}',
            "kind 'cost' is not one of stateful, widening, update",
        ),
        ("{", "not JSON"),
    ],
)
def test_bad_acknowledgement_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    base, head = _pair(tmp_path)
    path = tmp_path / "acks.json"
    path.write_text(content)
    assert main([str(base), str(head), "--no-cfn-lint", "--acknowledgements", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert main([str(base), str(head), "--acknowledgements", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_acknowledgement_in_construct_metadata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = _pair(tmp_path)
    manifest = json.loads((head / "manifest.json").read_text())
    manifest["artifacts"]["App"]["metadata"] = {
        "/App/Orders": [{"type": "buttress:review-acknowledged", "data": {"stateful": "recreated on purpose"}}],
        "/App/Orders/Resource": [{"type": "aws:cdk:logicalId", "data": "T"}],
        "/App/Auditors/Resource": [
            {"type": "aws:cdk:logicalId", "data": "Role"},
            {"type": "buttress:review-acknowledged", "data": {"widening": "auditors read everything"}},
        ],
    }
    (head / "manifest.json").write_text(json.dumps(manifest))
    assert main([str(base), str(head), "--no-cfn-lint", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stateful_at_risk"][0]["acknowledged"] == "recreated on purpose"
    assert {a["source"] for a in data["acknowledgements"]["applied"]} == {
        "metadata /App/Orders",
        "metadata /App/Auditors/Resource",
    }


def _lambda(asset_hash: str) -> dict[str, Any]:
    fn = res("AWS::Lambda::Function", Code={"S3Bucket": "cdk-assets", "S3Key": f"{asset_hash}.zip"}, Handler="h")
    fn["Metadata"] = {"aws:asset:path": f"asset.{asset_hash}", "aws:asset:property": "Code"}
    return fn


def test_asset_changes_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = "a" * 64, "b" * 64
    base = write_assembly(tmp_path / "base", {"App": tpl(Fn=_lambda(old))})
    head = write_assembly(tmp_path / "head", {"App": tpl(Fn=_lambda(new))})
    assets = {
        "version": "55.0.0",
        "files": {
            new: {
                "displayName": "Orders/Handler/Code",
                "source": {"path": f"asset.{new}", "packaging": "zip"},
                "destinations": {},
            }
        },
    }
    (head / "App.assets.json").write_text(json.dumps(assets))
    assert main([str(base), str(head), "--no-cfn-lint"]) == 0
    out = capsys.readouterr().out
    assert "### Assets changed" in out
    assert "| App | `Fn` | `AWS::Lambda::Function` | file Orders/Handler/Code |" in out
    # Without an asset manifest (a template pair), the hash is shortened.
    [change] = review_templates({"App": tpl(Fn=_lambda(old))}, {"App": tpl(Fn=_lambda(new))}).stacks[0].changes
    assert change.assets == ("asset bbbbbbbbbbbb",)
