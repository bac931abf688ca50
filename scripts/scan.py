"""``make scan``: checkov and cfripper on every stack of ``cdk.out``, a table per stack.

The scanners run from their own virtual environment (``.venv-scan``, made by ``make scan`` from
``requirements-scan.txt``), never from ``.venv``: their pinned dependencies clash with the
project's, and no test needs them. Offline: checkov is told not to fetch its guideline mapping or
policies from its platform.

cfripper 1.22 cannot parse ``Fn::GetStackOutput`` (aws-cdk-lib's cross-stack reference), so it
reads a copy of each template in which that value is an ``Fn::ImportValue`` of the same output:
for its rules both are a value from another stack.

The parsing and table code is pure and tested with recorded scanner output
(``tests/fixtures/scan/``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, order=True)
class Finding:
    """One scanner finding on one resource."""

    stack: str
    scanner: str
    rule: str
    resource: str
    message: str


def stack_templates(outdir: Path) -> dict[str, Path]:
    """Stack name -> template file, from the cloud assembly's manifest."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        name: outdir / artifact["properties"]["templateFile"]
        for name, artifact in sorted(manifest["artifacts"].items())
        if artifact.get("type") == "aws:cloudformation:stack"
    }


def parse_checkov(report: Any, stack_of_file: Mapping[str, str]) -> list[Finding]:
    """Failed checks of checkov's ``-o json`` report (one report or a list of them)."""
    reports = report if isinstance(report, list) else [report]
    findings = []
    for one in reports:
        for check in one.get("results", {}).get("failed_checks", []):
            stack = stack_of_file.get(Path(check["file_path"]).name, Path(check["file_path"]).name)
            resource = str(check["resource"]).split(".", 1)[-1]
            findings.append(Finding(stack, "checkov", check["check_id"], resource, check["check_name"]))
    return sorted(findings)


def parse_cfripper(stack: str, report: Mapping[str, Any]) -> list[Finding]:
    """Failures (and exceptions) of cfripper's ``--format json`` result for one template."""
    findings = []
    for failure in report.get("failures", []):
        for resource in failure.get("resource_ids") or ["-"]:
            findings.append(Finding(stack, "cfripper", failure["rule"], resource, failure["reason"]))
    for exception in report.get("exceptions", []):
        findings.append(Finding(stack, "cfripper", "exception", "-", str(exception)))
    return sorted(findings)


def table(stacks: Iterable[str], findings: Sequence[Finding]) -> str:
    """A summary line and a table of findings per stack, then the counts of every stack."""
    lines: list[str] = []
    counts: list[tuple[str, int, int]] = []
    for stack in stacks:
        mine = [f for f in findings if f.stack == stack]
        checkov = sum(1 for f in mine if f.scanner == "checkov")
        cfripper = sum(1 for f in mine if f.scanner == "cfripper")
        counts.append((stack, checkov, cfripper))
        lines.append(f"{stack}: checkov {checkov} failed, cfripper {cfripper} findings")
        if mine:
            lines.append("| scanner | rule | resource | message |")
            lines.append("|---|---|---|---|")
            lines += [f"| {f.scanner} | {f.rule} | {f.resource} | {f.message.replace('|', '/')} |" for f in mine]
        lines.append("")
    lines.append("| stack | checkov failed | cfripper findings |")
    lines.append("|---|---:|---:|")
    lines += [f"| {stack} | {checkov} | {cfripper} |" for stack, checkov, cfripper in counts]
    lines.append(f"| **all** | **{sum(c for _, c, _ in counts)}** | **{sum(c for _, _, c in counts)}** |")
    return "\n".join(lines)


def import_stack_outputs(node: Any) -> Any:
    """``node`` with every ``Fn::GetStackOutput`` turned into an ``Fn::ImportValue`` of the same output."""
    if isinstance(node, dict):
        if set(node) == {"Fn::GetStackOutput"}:
            ref = node["Fn::GetStackOutput"]
            return {"Fn::ImportValue": f"{ref.get('StackName', '')}:{ref.get('OutputName', '')}"}
        return {key: import_stack_outputs(value) for key, value in node.items()}
    if isinstance(node, list):
        return [import_stack_outputs(item) for item in node]
    return node


def run_checkov(bin_dir: Path, templates: Mapping[str, Path]) -> list[Finding]:
    files = [arg for path in templates.values() for arg in ("-f", str(path))]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_NO_GUIDE": "TRUE"}
    command = [str(bin_dir / "checkov"), *files, "--framework", "cloudformation", "-o", "json"]
    result = subprocess.run(
        [*command, "--compact", "--quiet", "--skip-download"], capture_output=True, text=True, env=env, check=False
    )
    if not result.stdout.strip():
        raise RuntimeError(f"checkov printed no report (exit {result.returncode}): {result.stderr[-2000:]}")
    return parse_checkov(json.loads(result.stdout), {path.name: name for name, path in templates.items()})


def run_cfripper(bin_dir: Path, templates: Mapping[str, Path]) -> list[Finding]:
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="buttress-scan-") as tmp:
        for name, path in templates.items():
            copy = Path(tmp) / path.name
            copy.write_text(json.dumps(import_stack_outputs(json.loads(path.read_text()))))
            result = subprocess.run(
                [str(bin_dir / "cfripper"), str(copy), "--format", "json"], capture_output=True, text=True, check=False
            )
            if result.returncode not in (0, 2) or not result.stdout.strip():
                raise RuntimeError(f"cfripper failed on {name} (exit {result.returncode}): {result.stderr[-2000:]}")
            findings += parse_cfripper(name, json.loads(result.stdout))
    return findings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cdk-out", type=Path, default=ROOT / "cdk.out")
    parser.add_argument("--scan-venv", type=Path, default=ROOT / ".venv-scan")
    parser.add_argument("--json", type=Path, help="also write the findings here as JSON")
    args = parser.parse_args(argv)
    templates = stack_templates(args.cdk_out)
    if not templates:
        print(f"no stacks in {args.cdk_out}", file=sys.stderr)
        return 1
    bin_dir = args.scan_venv / "bin"
    findings = sorted(run_checkov(bin_dir, templates) + run_cfripper(bin_dir, templates))
    print(table(templates, findings))
    if args.json:
        args.json.write_text(json.dumps([f.__dict__ for f in findings], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
