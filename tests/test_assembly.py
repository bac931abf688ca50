"""``buttress.tools.assembly`` (the one cloud-assembly reader) and ``buttress.tools.offline``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from buttress.tools.assembly import AssemblyError, read_assembly, write_assembly
from buttress.tools.offline import CLOSED_ENDPOINT, offline_env
from tests.harness import SynthResult


def test_reads_the_example_app(synth: SynthResult) -> None:
    assembly = read_assembly(synth.outdir)
    assert list(assembly.stacks) == sorted(synth.templates)
    assert assembly.templates() == synth.templates
    assert assembly.dependencies(["ButtressCi"]) == ["ButtressCi", "ButtressNetwork", "ButtressWebService"]
    assert all(p.exists() for p in assembly.file_assets("ButtressCostGuard"))
    acknowledged = [e for entries in assembly.metadata("ButtressCi").values() for e in entries]
    assert any(e["type"] == "aws:cdk:acknowledged-rules" for e in acknowledged)
    assert assembly.validation_report() == {"version": "55.0.0", "title": "Validation Report", "pluginReports": []} or (
        assembly.validation_report() is None
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "--flag {d}: no such directory; synthesize your app into it first: `cdk synth --output {d}`"),
        (lambda d: d.write_text("x"), "--flag {d}: not a directory"),
        (lambda d: d.mkdir(), "--flag {d}: not a cloud assembly (no manifest.json)"),
        (lambda d: (d.mkdir(), (d / "manifest.json").write_text("{")), "--flag {d}: {d}/manifest.json is unreadable"),
        (lambda d: (d.mkdir(), (d / "manifest.json").write_text("[]")), "--flag {d}: manifest.json is not a cloud"),
    ],
)
def test_errors_name_the_label_and_the_folder(tmp_path: Path, setup: object, message: str) -> None:
    folder = tmp_path / "out"
    setup(folder)  # type: ignore[operator]
    with pytest.raises(AssemblyError) as exc:
        read_assembly(folder, label="--flag")
    assert str(exc.value).startswith(message.format(d=folder))


def test_missing_template_and_stack(tmp_path: Path) -> None:
    out = write_assembly(tmp_path / "a", {"S": {"Resources": {}}})
    (out / "S.template.json").unlink()
    assembly = read_assembly(out, label="HEAD")
    with pytest.raises(AssemblyError, match=f"HEAD {out}: {out}/S.template.json is missing"):
        assembly.templates()
    with pytest.raises(AssemblyError, match="no stack 'T'; it has S"):
        assembly.template("T")
    assert json.loads((out / "manifest.json").read_text())["artifacts"]["S"]["type"] == "aws:cloudformation:stack"


def test_offline_env_drops_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREAL")
    env = offline_env(bin_dirs=["/x/bin"])
    assert not any(k in env for k in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL"))
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert env["CDK_DISABLE_VERSION_CHECK"] == "true" and env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert env["PATH"].startswith("/x/bin" + os.pathsep)
    fake = offline_env(endpoint=CLOSED_ENDPOINT, extra={"CDK_DEFAULT_REGION": "eu-west-1"})
    assert fake["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9" and fake["AWS_ACCESS_KEY_ID"] == "offline"
    assert fake["CDK_DEFAULT_REGION"] == "eu-west-1"
