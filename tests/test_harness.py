"""The template harness itself: normalization and app wiring agree with `cdk synth`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.harness import SynthResult, asset_placeholders, normalize


def _staged(outdir: Path, asset_hash: str, display_name: str, content: str = "def handler(): ...") -> None:
    """A cloud assembly holding one staged file asset, as ``cdk synth`` leaves it."""
    staged = outdir / f"asset.{asset_hash}"
    staged.mkdir(parents=True)
    (staged / "index.py").write_text(content)
    manifest = {"files": {asset_hash: {"displayName": display_name, "source": {"path": staged.name}}}}
    (outdir / "S.assets.json").write_text(json.dumps(manifest))


def test_asset_hash_becomes_placeholder_naming_its_source_folder(tmp_path: Path) -> None:
    asset_hash = "ab" * 32
    _staged(tmp_path / "out", asset_hash, "S/Fn/Code")
    sources = {asset_hash: str(tmp_path / "repo" / "lambda_src" / "kill_switch")}
    placeholders = asset_placeholders(tmp_path / "out", sources, repo=tmp_path / "repo")
    assert placeholders == {asset_hash: "<asset:lambda_src/kill_switch>"}
    template = {"Resources": {"Fn": {"Properties": {"Code": {"S3Key": f"{asset_hash}.zip"}}}}}
    assert normalize(template, placeholders)["Resources"]["Fn"]["Properties"]["Code"]["S3Key"] == (
        "<asset:lambda_src/kill_switch>.zip"
    )


def test_a_build_folder_with_the_same_code_does_not_change_the_label(tmp_path: Path) -> None:
    # `pip wheel .` leaves build/lib/buttress/_lambda_src/<asset>, byte for byte the asset and
    # sorting before lambda_src/: the label comes from where the construct took the code.
    asset_hash = "ef" * 32
    repo = tmp_path / "repo"
    wheel_build = repo / "build" / "lib" / "buttress" / "_lambda_src" / "kill_switch"
    for folder in (repo / "lambda_src" / "kill_switch", wheel_build):
        folder.mkdir(parents=True)
        (folder / "index.py").write_text("def handler(): ...")
    _staged(tmp_path / "out", asset_hash, "S/Fn/Code")
    sources = {asset_hash: str(repo / "lambda_src" / "kill_switch")}
    assert asset_placeholders(tmp_path / "out", sources, repo=repo) == {asset_hash: "<asset:lambda_src/kill_switch>"}


def test_one_folder_staged_as_several_assets_labels_each_by_its_construct(tmp_path: Path) -> None:
    # lambda_code stages lambda_src/ with excludes keeping one package: the folder alone is ambiguous.
    first, second = "12" * 32, "34" * 32
    out = tmp_path / "out"
    for asset_hash in (first, second):
        (out / f"asset.{asset_hash}").mkdir(parents=True)
    manifest = {
        "files": {
            first: {"displayName": "S/Engage/Code", "source": {"path": f"asset.{first}"}},
            second: {"displayName": "S/Preapproved/Code", "source": {"path": f"asset.{second}"}},
        }
    }
    (out / "S.assets.json").write_text(json.dumps(manifest))
    sources = dict.fromkeys((first, second), str(tmp_path / "repo" / "lambda_src"))
    assert asset_placeholders(out, sources, repo=tmp_path / "repo") == {
        first: "<asset:S/Engage/Code>",
        second: "<asset:S/Preapproved/Code>",
    }


def test_real_assets_are_labelled_from_their_constructs(synth: SynthResult) -> None:
    labels = {label for t in synth.normalized.values() for label in re.findall(r"<asset:([^>]+)>", json.dumps(t))}
    assert labels
    assert not any(label.startswith(("build/", ".venv/", "node_modules/", "/")) for label in labels), labels


def test_asset_of_a_dependency_uses_its_display_name(tmp_path: Path) -> None:
    asset_hash = "cd" * 32
    _staged(tmp_path / "out", asset_hash, "S/Provider Code", "// shipped by aws-cdk-lib")
    for source in ("/tmp/cdk-custom-resourceXYZ", str(tmp_path / "repo" / ".venv" / "lib" / "handler"), None):
        sources = {asset_hash: source} if source else {}
        placeholders = asset_placeholders(tmp_path / "out", sources, repo=tmp_path / "repo")
        assert placeholders == {asset_hash: "<asset:S/Provider Code>"}


def test_normalized_templates_hold_no_asset_hash(synth: SynthResult) -> None:
    placeholders = asset_placeholders(synth.outdir, {})
    assert placeholders
    for template in synth.normalized.values():
        text = json.dumps(template)
        assert not any(asset_hash in text for asset_hash in placeholders)


def test_app_applies_cdk_json_feature_flags(synth: SynthResult) -> None:
    # restrictDefaultSecurityGroup is set in cdk.json only: seeing its custom resource proves the
    # tests' app reads the same flags `cdk synth` does.
    network = synth.templates["ButtressNetwork"]
    assert any(r["Type"] == "Custom::VpcRestrictDefaultSG" for r in network["Resources"].values())
