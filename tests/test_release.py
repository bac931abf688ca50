"""scripts/release (``make release``): its checks and arguments, without building anything.

The full dry run (python -m build, twine, a venv from the sdist, a synth) takes minutes; it is
run by hand before a release, not here (CONTRIBUTING.md, "Releasing").
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import buttress
from scripts import build_consumer, release
from tests.harness import REPO


def test_version_is_read_statically() -> None:
    assert release.version() == buttress.__version__


def test_the_changelog_needs_a_dated_section_for_the_version() -> None:
    release.check_changelog("## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n", "0.2.0")
    with pytest.raises(release.ReleaseError, match=r"no '## \[0.3.0\] - YYYY-MM-DD' section"):
        release.check_changelog("## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n", "0.3.0")
    with pytest.raises(release.ReleaseError):
        release.check_changelog("## [0.3.0] - soon\n", "0.3.0")


def test_tag_exists(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "one")
    git("tag", "v0.1.0")
    assert release.tag_exists(tmp_path, "v0.1.0")
    assert not release.tag_exists(tmp_path, "v0.2.0")


def test_an_existing_tag_stops_before_building(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(release, "tag_exists", lambda root, tag: True)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built although the tag exists")

    monkeypatch.setattr(build_consumer, "build", no_build)
    assert release.main([]) == 1
    assert f"tag v{buttress.__version__} exists already" in capsys.readouterr().err


def test_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    args = release._parser().parse_args(["--outdir", "out", "--write-baseline", "--skip-consumer"])
    assert (args.outdir, args.write_baseline, args.skip_consumer, args.allow_existing_tag) == (
        Path("out"),
        True,
        True,
        False,
    )
    assert release._parser().parse_args([]).outdir == REPO / "dist"
    with pytest.raises(SystemExit) as exited:
        release.main(["--no-such-flag"])
    assert exited.value.code == 2
    capsys.readouterr()


def test_the_consumer_requirements_swap_the_pinned_wheel_for_the_sdist(tmp_path: Path) -> None:
    app = tmp_path / "consumer"
    app.mkdir()
    (app / "requirements.txt").write_text((REPO / "examples" / "consumer" / "requirements.txt").read_text())
    sdist = tmp_path / "dist" / f"buttress-{buttress.__version__}.tar.gz"
    swapped = build_consumer.requirements_with(app, sdist).read_text().splitlines()
    assert str(sdist) in swapped
    assert not [line for line in swapped if line.strip().endswith(".whl")]
    assert any(line.startswith("aws-cdk-lib==") for line in swapped)  # the other pins stay
