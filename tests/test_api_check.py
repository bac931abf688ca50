"""scripts/api_check: the public API against the committed baseline and the last release tag (griffe, static).

Each test works on a copy of ``buttress/`` (no jsii, no import: griffe reads the source), changed the
way a pull request would change it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scripts import api_check
from tests.harness import REPO

BASELINE = REPO / "api" / "public-api.json"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "buttress", root / "buttress", ignore=shutil.ignore_patterns("_lambda_src", "__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    # The breaks this repository already declares, so each test sees only the one it makes.
    (root / "api").mkdir()
    shutil.copy2(REPO / "api" / "declared-breaks.txt", root / "api" / "declared-breaks.txt")
    return root


def _check(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = api_check.main(["--root", str(root), "--baseline", str(BASELINE), "--no-tag", *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_repository_matches_its_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(REPO, capsys)
    assert code == 0, out
    assert "no undeclared break" in out


def test_the_baseline_covers_the_documented_surface() -> None:
    objects = api_check.read_baseline(BASELINE)
    assert {"buttress.Network", "buttress.filter_policy.validate", "buttress.deprecation.deprecated"} <= set(objects)
    assert {"buttress.tools.route.main", "buttress.tools.cost.main", "buttress.tools.review.main"} <= set(objects)
    assert objects["buttress.alb_fargate.AlbFargateService"] == {"same_as": "buttress.AlbFargateService"}


def test_a_removed_parameter_fails_until_declared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy(tmp_path)
    module = root / "buttress" / "fargate" / "service.py"
    source = module.read_text()
    assert source.count("        docker_directory: str | Path | None = None,\n") == 1
    module.write_text(source.replace("        docker_directory: str | Path | None = None,\n", ""))
    code, out = _check(root, capsys)
    assert code == 1
    key = "parameter-removed buttress.AlbFargateService.__init__(docker_directory)"
    assert f"UNDECLARED {key}" in out

    declared = tmp_path / "declared.txt"
    declared.write_text(
        (REPO / "api" / "declared-breaks.txt").read_text()
        + f"# reviewed\n{key}: deprecated in 0.2.0 (CHANGELOG), image=ContainerImage.from_asset instead\n"
    )
    code, out = _check(root, capsys, "--declared", str(declared))
    assert code == 0, out
    assert f"declared {key}" in out


def test_a_removed_name_is_a_break(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy(tmp_path)
    module = root / "buttress" / "filter_policy.py"
    module.write_text(module.read_text().replace('    "undot",\n', "").replace("    undot,\n", ""))
    code, out = _check(root, capsys)
    assert code == 1
    assert "UNDECLARED object-removed buttress.filter_policy.undot" in out


def test_a_construct_moved_to_another_module_and_re_exported_is_not_a_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As in the package split of issue 21: the code moves, the public paths re-export it."""
    root = _copy(tmp_path)
    package = root / "buttress" / "codebuild"
    (package / "project.py").rename(package / "construct.py")
    for module in package.glob("*.py"):
        module.write_text(module.read_text().replace("buttress.codebuild.project", "buttress.codebuild.construct"))
    code, out = _check(root, capsys)
    assert code == 0, out


def test_a_re_export_of_a_different_object_is_a_break(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """buttress.Waf and buttress.alb_fargate.Waf were one class; now buttress.Waf is another one."""
    root = _copy(tmp_path)
    init = root / "buttress" / "__init__.py"
    before = "    from buttress.fargate import AlbFargateService, Deployment, ExtraPort, ServiceConnect, Sidecar, Waf\n"
    assert before in init.read_text()
    after = "    from buttress.fargate import AlbFargateService, Deployment, ExtraPort, ServiceConnect, Sidecar\n"
    after += "    from buttress.options import WafMode as Waf\n"
    text = init.read_text().replace(before, after)
    init.write_text(text.replace('"Waf": "buttress.fargate"', '"Waf": "buttress.options"'))
    code, out = _check(root, capsys)
    assert code == 1
    assert "UNDECLARED object-changed-target buttress.alb_fargate.Waf" in out


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_the_last_release_tag_is_compared_when_present(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    (repo / "buttress").mkdir(parents=True)
    init = repo / "buttress" / "__init__.py"
    init.write_text(
        '__all__ = ["area"]\n__version__ = "0.1.0"\n\n\ndef area(width: int, height: int = 1) -> int:\n    return 0\n'
    )
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "0.1.0")
    _git(repo, "tag", "v0.1.0")
    _git(repo, "tag", "v0.0.9")
    assert api_check.latest_tag(repo) == "v0.1.0"
    init.write_text(init.read_text().replace("height: int = 1", "height: int"))
    # A baseline written after the break (someone ran --update by hand) does not hide it: the tag still shows it.
    baseline = repo / "api" / "public-api.json"
    assert api_check.main(["--root", str(repo), "--baseline", str(baseline), "--no-tag", "--update"]) == 0
    capsys.readouterr()
    assert api_check.main(["--root", str(repo), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert "v0.1.0: UNDECLARED parameter-changed-required buttress.area(height)" in out


@pytest.mark.parametrize(
    "line",
    ["parameter-removed buttress.X.__init__(a)", "parameter-removed buttress.X: ", "just a reason: here it is"],
)
def test_a_declaration_needs_kind_path_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    declared = tmp_path / "declared.txt"
    declared.write_text(line + "\n")
    code, out = _check(REPO, capsys, "--declared", str(declared))
    assert code == 2
    assert "expected 'KIND PATH: reason'" in out


def test_no_baseline_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = api_check.main(["--root", str(REPO), "--baseline", str(tmp_path / "none.json"), "--no-tag"])
    assert code == 2
    assert "no baseline; write it with --update" in capsys.readouterr().err
