"""``make release``: a dry run of everything a release does except tagging and uploading.

1. The version: ``buttress.__version__`` has a dated ``## [X.Y.Z] - YYYY-MM-DD`` section in
   CHANGELOG.md, and no tag ``vX.Y.Z`` exists yet (``--allow-existing-tag`` to rehearse an old one).
2. The sdist and the wheel, built with ``python -m build`` from a clean copy of the repository
   (``git ls-files``: what a clone has), then ``twine check --strict`` on both.
3. ``examples/consumer`` installed from the **sdist** into an empty virtualenv and synthesized
   (:func:`scripts.build_consumer.build` with ``sdist=True``): what a user who builds from source
   gets must synthesize, cdk-nag clean, with its Lambda code.
4. The public-API check (:mod:`scripts.api_check`): no undeclared break since the baseline; then
   the baseline for this version is written to the output folder, or over ``api/public-api.json``
   with ``--write-baseline`` (the real release commits that file).

The artifacts are copied to ``--outdir`` (default ``dist/``). Nothing is tagged, pushed or uploaded:
the steps for that are printed at the end (CONTRIBUTING.md, "Releasing").
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts import api_check, build_consumer

REPO = Path(__file__).resolve().parent.parent


class ReleaseError(RuntimeError):
    """A release precondition that does not hold; the message says what to fix."""


def version(root: Path = REPO) -> str:
    """``__version__`` of ``buttress/__init__.py``, read statically (no jsii)."""
    match = re.search(r'^__version__ = "([^"]+)"$', (root / "buttress" / "__init__.py").read_text(), re.MULTILINE)
    if match is None:
        raise ReleaseError('buttress/__init__.py has no __version__ = "X.Y.Z" line')
    return match.group(1)


def check_changelog(text: str, release: str) -> None:
    if not re.search(rf"^## \[{re.escape(release)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE):
        raise ReleaseError(
            f"CHANGELOG.md has no '## [{release}] - YYYY-MM-DD' section: move the Unreleased entries into one"
        )


def tag_exists(root: Path, tag: str) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "-q", "--verify", f"refs/tags/{tag}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.release", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--outdir", type=Path, default=REPO / "dist", help="where the sdist and wheel go (default: dist/)"
    )
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    parser.add_argument("--write-baseline", action="store_true", help="rewrite api/public-api.json for this version")
    parser.add_argument("--allow-existing-tag", action="store_true", help="rehearse a version that is already tagged")
    parser.add_argument("--skip-consumer", action="store_true", help="build and check only (no venv, no synth)")
    return parser


def _twine_check(files: list[Path]) -> None:
    cmd = [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise ReleaseError(f"twine check failed:\n{proc.stdout}{proc.stderr}")


def release(args: argparse.Namespace) -> int:
    timings: dict[str, float] = {}
    release_version = version()
    tag = f"v{release_version}"
    check_changelog((REPO / "CHANGELOG.md").read_text(), release_version)
    if tag_exists(REPO, tag) and not args.allow_existing_tag:
        raise ReleaseError(f"tag {tag} exists already: set a new __version__ (or --allow-existing-tag to rehearse)")

    started = time.monotonic()
    if api_check.main(["--root", str(REPO)]) != 0:
        raise ReleaseError("the public API has undeclared breaks (above)")
    timings["api check"] = time.monotonic() - started

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="buttress-release-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        started = time.monotonic()
        if args.skip_consumer:
            root = build_consumer.clean_copy(scratch / "clone")
            sdist, wheel = build_consumer.build_distributions(root)
        else:
            built = build_consumer.build(scratch, sdist=True)
            assert built.sdist is not None and built.wheel is not None
            sdist, wheel = built.sdist, built.wheel
            timings.update({f"consumer {k}": v for k, v in built.timings.items()})
            if built.buttress_version != release_version:
                raise ReleaseError(f"the sdist installs buttress {built.buttress_version}, not {release_version}")
        timings["build + consumer"] = time.monotonic() - started
        for artifact in (sdist, wheel):
            if f"-{release_version}" not in artifact.name:
                raise ReleaseError(f"{artifact.name} does not carry version {release_version}")
        started = time.monotonic()
        _twine_check([sdist, wheel])
        timings["twine check"] = time.monotonic() - started
        args.outdir.mkdir(parents=True, exist_ok=True)
        kept = [Path(shutil.copy2(f, args.outdir / f.name)) for f in (sdist, wheel)]
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    baseline = api_check.BASELINE if args.write_baseline else args.outdir / "public-api.json"
    api_check.main(["--root", str(REPO), "--no-tag", "--update", "--baseline", str(REPO / baseline)])
    changed = (REPO / baseline).read_text() != (REPO / api_check.BASELINE).read_text()

    print(f"\nbuttress {release_version}: " + ", ".join(str(k) for k in kept))
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    if not args.write_baseline and changed:
        print(f"the API baseline differs from {api_check.BASELINE}: make release RELEASE_ARGS=--write-baseline")
    print(
        "dry run: nothing tagged or uploaded. To release: commit the baseline and an empty "
        f"{api_check.DECLARED}, tag {tag} on main, push the tag, upload these two files (twine upload)."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return release(args)
    except RuntimeError as exc:  # ReleaseError, and a failed build or install step
        print(f"release: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
