"""``make diff``: what the current code synthesizes against the committed snapshots.

Every stack of the example app is compared with its snapshot file
(``tests/__snapshots__/test_example_templates/test_snapshot[<Stack>].json``). Both sides are
normalized the same way (``tests.harness``: asset hashes become ``<asset:...>``), so the
comparison is exactly the one the snapshot test makes. A changed stack is rendered by the
pinned CDK CLI's own ``cdk diff --template`` (resource, IAM statement and security-group
tables); an unchanged one prints "no changes". The exit status is 1 when any snapshot is stale
(changed, missing, or left over from a removed stack), so CI can point a reviewer here.

The CLI only reads local files: it runs with fake credentials and every AWS endpoint pointed
at a closed loopback port, so it can never reach a real account.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buttress.tools.offline import CLOSED_ENDPOINT
from scripts.repo_env import repo_env

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = REPO / "tests" / "__snapshots__" / "test_example_templates"
SNAPSHOT_PREFIX = "test_snapshot["
SNAPSHOT_SUFFIX = "].json"
UPDATE_HINT = ".venv/bin/python -m pytest tests/test_example_templates.py --snapshot-update  (or: make snapshots)"


def snapshot_path(stack: str, snapshot_dir: Path = SNAPSHOT_DIR) -> Path:
    return snapshot_dir / f"{SNAPSHOT_PREFIX}{stack}{SNAPSHOT_SUFFIX}"


def snapshot_stacks(snapshot_dir: Path = SNAPSHOT_DIR) -> list[str]:
    """Stack names of every committed snapshot file."""
    # Not glob(): "[" starts a character class there.
    return sorted(
        file.name[len(SNAPSHOT_PREFIX) : -len(SNAPSHOT_SUFFIX)]
        for file in snapshot_dir.iterdir()
        if file.name.startswith(SNAPSHOT_PREFIX) and file.name.endswith(SNAPSHOT_SUFFIX)
    )


@dataclass
class StackDiff:
    stack: str
    #: "unchanged", "changed", "new" (no snapshot yet) or "removed" (snapshot of a stack no longer in the app)
    status: str
    rendered: str = ""

    @property
    def stale(self) -> bool:
        return self.status != "unchanged"


def normalized_assembly(outdir: Path, normalized: dict[str, dict[str, Any]], dest: Path) -> Path:
    """A copy of the cloud assembly ``outdir`` whose stack templates are the normalized ones.

    The CLI then compares normalized with normalized; asset folders are not copied (diff never
    reads them), and the session's own assembly is left untouched for other tests.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for item in outdir.iterdir():
        if item.is_file():
            shutil.copy2(item, dest / item.name)
    for stack, template in normalized.items():
        (dest / f"{stack}.template.json").write_text(json.dumps(template, indent=1))
    return dest


def cli_diff(assembly: Path, stack: str, old_template: Path, *, color: bool = False) -> tuple[int, str]:
    """``cdk diff --template old_template stack`` over the (normalized) assembly."""
    cmd = [
        "cdk",
        "diff",
        "--app",
        str(assembly),
        "--template",
        str(old_template),
        "--exclusively",
        "--strict",  # show everything, also resources the CLI hides by default
        "--fail",
        "--no-notices",
        "--color" if color else "--no-color",
        stack,
    ]
    proc = subprocess.run(
        cmd,
        cwd=assembly,  # not the repo: the CLI must not pick up cdk.json's "app" and synthesize again
        env=repo_env(endpoint=CLOSED_ENDPOINT),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def json_diff(old: Any, new: Any, label: str) -> str:
    lines = difflib.unified_diff(
        json.dumps(old, indent=1, sort_keys=True).splitlines(),
        json.dumps(new, indent=1, sort_keys=True).splitlines(),
        fromfile=f"snapshot {label}",
        tofile=f"current {label}",
        lineterm="",
    )
    return "\n".join(lines)


def diff_stacks(
    outdir: Path,
    normalized: dict[str, dict[str, Any]],
    *,
    snapshot_dir: Path = SNAPSHOT_DIR,
    only: Iterable[str] = (),
    color: bool = False,
) -> list[StackDiff]:
    """Compare every stack (or those in ``only``) with its snapshot; render the changed ones."""
    wanted = set(only)
    names = sorted(set(normalized) | set(snapshot_stacks(snapshot_dir)))
    if wanted:
        names = [n for n in names if n in wanted]
    results: list[StackDiff] = []
    with tempfile.TemporaryDirectory(prefix="buttress-diff-") as tmp:
        assembly = normalized_assembly(outdir, normalized, Path(tmp) / "assembly")
        for stack in names:
            snap = snapshot_path(stack, snapshot_dir)
            if stack not in normalized:
                gone = f"{snap.name} has no stack in the app any more"
                results.append(StackDiff(stack, "removed", gone + "\n" + cost_change(stack, _read(snap), {})))
                continue
            if not snap.exists():
                empty = Path(tmp) / "empty.template.json"
                empty.write_text("{}")
                _, rendered = cli_diff(assembly, stack, empty, color=color)
                rendered += "\n" + cost_change(stack, {}, normalized[stack])
                results.append(StackDiff(stack, "new", rendered))
                continue
            old = json.loads(snap.read_text())
            if old == normalized[stack]:
                results.append(StackDiff(stack, "unchanged"))
                continue
            code, rendered = cli_diff(assembly, stack, snap, color=color)
            if code == 0:
                # The CLI hides some differences (e.g. template sections it does not render):
                # still stale, so show the raw JSON difference instead.
                rendered += "\n(the CDK CLI shows no difference; raw template diff:)\n" + json_diff(
                    old, normalized[stack], stack
                )
            rendered += "\n" + cost_change(stack, old, normalized[stack])
            results.append(StackDiff(stack, "changed", rendered))
    return results


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def cost_change(stack: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """The stack's fixed monthly cost before and after, per rate (``buttress.tools.cost``, list prices)."""
    from buttress.tools.cost import render_template_change

    return render_template_change(stack, old, new)


def report(results: Sequence[StackDiff]) -> str:
    out = []
    for result in results:
        if result.status == "unchanged":
            out.append(f"{result.stack}: no changes")
        else:
            out.append(f"{result.stack}: {result.status.upper()} against its snapshot")
            if result.rendered:
                out.append(result.rendered)
            out.append("")
    stale = [r.stack for r in results if r.stale]
    if stale:
        out.append(f"stale snapshots: {', '.join(stale)}")
        out.append("Review the changes above; if every one is intended, update the snapshots and commit them")
        out.append(f"with the reason in the commit message:\n  {UPDATE_HINT}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("stacks", nargs="*", help="only these stacks (default: every stack and snapshot)")
    parser.add_argument("--snapshot-dir", type=Path, default=SNAPSHOT_DIR)
    args = parser.parse_args(argv)

    from tests.harness import synthesize

    synth = synthesize()
    results = diff_stacks(
        synth.outdir,
        synth.normalized,
        snapshot_dir=args.snapshot_dir,
        only=args.stacks,
        color=sys.stdout.isatty(),
    )
    print(report(results))
    return 1 if any(r.stale for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
