"""Packaging: one version source, LICENSE, and the console scripts of the wheel (any app's cdk.out)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import buttress
from buttress.tools.assembly import write_assembly
from tests.harness import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_one_version_source_shown_in_the_changelog() -> None:
    assert "version" not in PYPROJECT["project"] and PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "buttress.__version__"}
    version = buttress.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M), (
        f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section"
    )


def test_license_is_the_apache_license() -> None:
    assert PYPROJECT["project"]["license"] == {"text": "Apache-2.0"}
    text = (REPO / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_console_scripts_are_the_tools_mains() -> None:
    scripts = PYPROJECT["project"]["scripts"]
    assert sorted(scripts) == ["buttress-cost", "buttress-review", "buttress-route"]
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function))
    assert PYPROJECT["project"]["optional-dependencies"]["review"][0].startswith("cfn-lint")


def _run(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *argv], capture_output=True, text=True, check=False)


def test_tools_work_on_another_apps_assembly(tmp_path: Path) -> None:
    """Not this repository's app: a hand-made assembly with a topic, a NAT gateway and a queue."""
    template = {
        "Resources": {
            "Nat": {"Type": "AWS::EC2::NatGateway"},
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Sub": {"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": "Topic"}, "Protocol": "sqs"}},
        }
    }
    out = write_assembly(tmp_path / "cdk.out", {"Theirs": template})
    cost = _run("buttress.tools.cost", str(out))
    assert cost.returncode == 0 and "Theirs: $32.85/month fixed" in cost.stdout
    route = _run("buttress.tools.route", "--cdk-out", str(out), "--stack", "Theirs", "--json")
    assert (route.returncode, route.stdout.strip()) == (0, '["Sub"]')
    review = _run("buttress.tools.review", str(out), str(out))
    assert review.returncode == 0 and "No changes" in review.stdout


def test_errors_name_the_flag_and_how_to_synthesize(tmp_path: Path) -> None:
    missing = tmp_path / "cdk.out"
    route = _run("buttress.tools.route", "--cdk-out", str(missing), "--stack", "X")
    assert route.returncode == 2
    assert (
        f"--cdk-out {missing}: no such directory; synthesize your app into it first: `cdk synth --output {missing}`"
        in route.stderr
    )
    assert "make" not in route.stderr
    cost = _run("buttress.tools.cost", str(missing))
    assert cost.returncode == 2 and f"CDK_OUT {missing}: no such directory" in cost.stderr
    review = _run("buttress.tools.review", str(missing), str(missing))
    assert review.returncode == 2 and f"BASE {missing}: no such directory" in review.stderr


def test_tools_do_not_start_jsii() -> None:
    """The console scripts read JSON only: importing them loads neither aws_cdk nor jsii."""
    modules = "buttress.tools.review, buttress.tools.review_ci, buttress.tools.cost, buttress.tools.route"
    code = f"import sys, {modules}; print(any(m.split('.')[0] in ('aws_cdk', 'jsii') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
