"""The template harness itself: normalization and app wiring agree with `cdk synth`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.harness import REPO, SynthResult, asset_placeholders, normalize


def test_asset_hash_becomes_placeholder_naming_its_source_folder(tmp_path: Path) -> None:
    asset_hash = "ab" * 32
    shutil.copytree(REPO / "scripts", tmp_path / f"asset.{asset_hash}", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "S.assets.json").write_text(
        json.dumps({"files": {asset_hash: {"displayName": "S/Fn/Code", "source": {"path": f"asset.{asset_hash}"}}}})
    )
    placeholders = asset_placeholders(tmp_path)
    assert placeholders == {asset_hash: "<asset:scripts>"}
    template = {"Resources": {"Fn": {"Properties": {"Code": {"S3Key": f"{asset_hash}.zip"}}}}}
    assert normalize(template, placeholders)["Resources"]["Fn"]["Properties"]["Code"]["S3Key"] == "<asset:scripts>.zip"


def test_asset_of_unknown_source_uses_its_display_name(tmp_path: Path) -> None:
    asset_hash = "cd" * 32
    (tmp_path / f"asset.{asset_hash}").mkdir()
    (tmp_path / f"asset.{asset_hash}" / "index.js").write_text("// shipped by aws-cdk-lib")
    (tmp_path / "S.assets.json").write_text(
        json.dumps(
            {"files": {asset_hash: {"displayName": "S/Provider Code", "source": {"path": f"asset.{asset_hash}"}}}}
        )
    )
    assert asset_placeholders(tmp_path) == {asset_hash: "<asset:S/Provider Code>"}


def test_normalized_templates_hold_no_asset_hash(synth: SynthResult) -> None:
    placeholders = asset_placeholders(synth.outdir)
    for template in synth.normalized.values():
        text = json.dumps(template)
        assert not any(asset_hash in text for asset_hash in placeholders)


def test_app_applies_cdk_json_feature_flags(synth: SynthResult) -> None:
    # restrictDefaultSecurityGroup is set in cdk.json only: seeing its custom resource proves the
    # tests' app reads the same flags `cdk synth` does.
    network = synth.templates["ButtressNetwork"]
    assert any(r["Type"] == "Custom::VpcRestrictDefaultSG" for r in network["Resources"].values())
