"""The steps around ``buttress-review`` in a pull request: synthesize a git ref offline, post the
report as one comment that later runs update, and pass or fail the check from the report's JSON.

    python -m buttress.tools.review_ci synth [--ref REF] OUTDIR [--app CMD] [--repo DIR]
    python -m buttress.tools.review_ci comment --repo OWNER/NAME --pr N --body-file FILE
    python -m buttress.tools.review_ci status --report FILE

``synth`` checks REF out in a temporary git worktree (none: the working tree as it is) and runs the
CDK CLI's ``cdk synth`` there into OUTDIR, in the offline environment of
:mod:`buttress.tools.offline` (no credentials, no AWS endpoint reachable). The CLI is ``cdk`` from
``node_modules/.bin`` of the repository, else from ``PATH``; ``--app`` overrides ``cdk.json``'s app
command (needed when it names a virtualenv the worktree does not have).

``comment`` finds the pull request's comment that starts with the review marker and updates it, or
creates one; it reads the token from ``GITHUB_TOKEN`` and the API from ``GITHUB_API_URL``
(GitHub Actions sets both). ``status`` reads the review's JSON (``buttress-review --json FILE``),
annotates the check with each risky item (``::error``; ``::notice`` when acknowledged) and exits 1
when a ``--fail-on`` category is met, so the pull request's check says what failed and why; it needs
no token. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from buttress.tools.offline import offline_env
from buttress.tools.review import MARKER, SCHEMA

SYNTH_TIMEOUT_S = 900


class CiError(RuntimeError):
    """A step that cannot go on; the message names the argument or the command that failed."""


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CiError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def cdk_command(repo: Path) -> list[str]:
    """The CDK CLI: the repository's pinned one (``node_modules/.bin/cdk``), else ``cdk`` on PATH."""
    local = repo / "node_modules" / ".bin" / "cdk"
    found = str(local) if local.exists() else shutil.which("cdk")
    if found is None:
        raise CiError("no CDK CLI: `npm ci` in the repository (node_modules/.bin/cdk) or put `cdk` on PATH")
    return [found]


def synthesize(source: Path, outdir: Path, *, repo: Path, app: str | None = None) -> Path:
    """``cdk synth`` of the app in ``source`` into ``outdir``, offline."""
    outdir = outdir.resolve()
    if outdir.exists():
        shutil.rmtree(outdir)
    cmd = [*cdk_command(repo), "synth", "--quiet", "--no-notices", "--output", str(outdir)]
    if app:
        cmd += ["--app", app]
    env = offline_env(bin_dirs=[Path(sys.executable).parent, repo / "node_modules" / ".bin"])
    proc = subprocess.run(
        cmd, cwd=source, env=env, capture_output=True, text=True, timeout=SYNTH_TIMEOUT_S, check=False
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-4000:]
        if not _failed_on_findings(outdir):
            raise CiError(f"cdk synth failed in {source} ({proc.returncode}):\n{tail}")
        print(f"cdk synth failed on policy-validation findings (cdk-nag); reviewing them:\n{tail}", file=sys.stderr)
    return outdir


def _failed_on_findings(outdir: Path) -> bool:
    """True when synthesis wrote the whole assembly and failed only on validation findings (cdk-nag)."""
    report = outdir / "validation-report.json"
    if not (outdir / "manifest.json").is_file() or not report.is_file():
        return False
    try:
        plugins = json.loads(report.read_text()).get("pluginReports", [])
    except (OSError, ValueError, AttributeError):
        return False
    return any(plugin.get("violations") for plugin in plugins)


def synthesize_ref(ref: str | None, outdir: Path, *, repo: Path, app: str | None = None) -> Path:
    """Synthesize ``ref`` (a temporary worktree) or, with None, the working tree itself."""
    repo = repo.resolve()
    if ref is None:
        return synthesize(repo, outdir, repo=repo, app=app)
    try:
        commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except CiError as exc:
        raise CiError(f"--ref {ref}: not a commit of {repo}") from exc
    with tempfile.TemporaryDirectory(prefix="buttress-review-") as tmp:
        worktree = Path(tmp) / "src"
        _git(repo, "worktree", "add", "--detach", str(worktree), commit)
        try:
            return synthesize(worktree, outdir, repo=repo, app=app)
        finally:
            _git(repo, "worktree", "remove", "--force", str(worktree))


def _request(url: str, token: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("X-GitHub-Api-Version", "2022-11-28")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise CiError(f"GitHub API {method} {url}: {exc.code} {exc.reason}") from exc


def upsert_comment(api: str, repo: str, pr: int, body: str, token: str) -> tuple[str, int]:
    """Update the pull request's review comment (the one holding :data:`MARKER`) or create it."""
    if MARKER not in body:
        body = f"{MARKER}\n{body}"
    base = f"{api.rstrip('/')}/repos/{repo}/issues"
    page = 1
    while True:
        comments = _request(f"{base}/{pr}/comments?per_page=100&page={page}", token)
        for comment in comments:
            if MARKER in str(comment.get("body", "")):
                _request(f"{base}/comments/{comment['id']}", token, "PATCH", {"body": body})
                return "updated", int(comment["id"])
        if len(comments) < 100:
            break
        page += 1
    created = _request(f"{base}/{pr}/comments", token, "POST", {"body": body})
    return "created", int(created["id"])


def _escape(text: str, *, prop: bool = False) -> str:
    """A workflow-command value: ``%``, CR and LF escaped (and ``:`` ``,`` in a property)."""
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def status_lines(data: dict[str, Any]) -> list[str]:
    """GitHub workflow annotations for a JSON review: an ``error`` per risky item of a failing
    category, a ``notice`` per acknowledged one, and a last line that says the outcome."""
    if not isinstance(data, dict) or str(data.get("schema", "")).split("/")[0] != SCHEMA.split("/")[0]:
        raise CiError(f"not a buttress-review JSON report (schema {SCHEMA})")
    if data.get("schema") != SCHEMA:
        raise CiError(f"report schema {data.get('schema')!r}: this buttress reads {SCHEMA}")
    failing = set(data["failing"])
    items: list[tuple[str, str | None, str]] = []
    for c in data["stateful_at_risk"]:
        items.append(
            ("stateful", c["acknowledged"], f"{c['stack']} {c['resource']} ({c['type']}) {c['change']}: {c['why']}")
        )
    for k in data["cautions"]:
        if k["fails"]:
            items.append(
                ("update", k["acknowledged"], f"{k['stack']} {k['resource']} {k['kind']}: {k['why']}; {k['fix']}")
            )
    for w in data["widenings"]:
        public = "public " if w["public"] else ""
        items.append(("widening", w["acknowledged"], f"{w['stack']} {w['target']} {public}{w['grant']}: {w['why']}"))
    lines = []
    for category, acknowledged, text in items:
        title = _escape(f"buttress-review: {category}", prop=True)
        if acknowledged:
            lines.append(f"::notice title={title}::{_escape(f'{text} (acknowledged: {acknowledged})')}")
        elif category in failing:
            lines.append(f"::error title={title}::{_escape(text)}")
    summary = data["summary"]
    if "findings" in failing:
        title = _escape("buttress-review: findings", prop=True)
        lines.append(f"::error title={title}::{summary['findings_added']} cdk-nag or cfn-lint finding(s) added")
    if "cost" in failing:
        title = _escape("buttress-review: cost", prop=True)
        lines.append(f"::error title={title}::fixed monthly cost +${summary['cost_delta']:,.2f} at list prices")
    if failing:
        lines.append(f"buttress-review: {', '.join(data['failing'])} (fail-on {','.join(data['fail_on'])})")
    else:
        lines.append("buttress-review: nothing risky" + (" (acknowledged changes only)" if items else ""))
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m buttress.tools.review_ci", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    synth = sub.add_parser("synth", help="synthesize a git ref (or the working tree) offline into OUTDIR")
    synth.add_argument("outdir", metavar="OUTDIR", type=Path)
    synth.add_argument("--ref", help="git ref to synthesize in a temporary worktree (default: the working tree)")
    synth.add_argument("--repo", type=Path, default=Path.cwd(), help="the git repository (default: here)")
    synth.add_argument("--app", help="app command instead of cdk.json's (e.g. '/abs/venv/bin/python app.py')")
    comment = sub.add_parser("comment", help="create or update the pull request's review comment")
    comment.add_argument("--repo", required=True, metavar="OWNER/NAME")
    comment.add_argument("--pr", required=True, type=int, metavar="NUMBER")
    comment.add_argument("--body-file", required=True, type=Path)
    comment.add_argument("--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    status = sub.add_parser("status", help="annotate and pass or fail the check from the review's JSON (--json)")
    status.add_argument("--report", required=True, type=Path, metavar="FILE", help="buttress-review --json FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "synth":
            if not (args.repo / ".git").exists() and args.ref:
                raise CiError(f"--repo {args.repo}: not a git repository")
            out = synthesize_ref(args.ref, args.outdir, repo=args.repo, app=args.app)
            print(f"synthesized {args.ref or 'the working tree'} into {out}")
            return 0
        if args.command == "status":
            try:
                data = json.loads(args.report.read_text())
            except OSError as exc:
                raise CiError(f"--report {args.report}: {exc.strerror}") from exc
            except ValueError as exc:
                raise CiError(f"--report {args.report}: not JSON: {exc}") from exc
            try:
                lines = status_lines(data)
            except (KeyError, TypeError) as exc:
                raise CiError(f"--report {args.report}: not a buttress-review JSON report ({exc!r})") from exc
            print("\n".join(lines))
            return 1 if data["failing"] else 0
        token = os.environ.get("GITHUB_TOKEN")
        if not token:
            raise CiError("GITHUB_TOKEN is not set (in a workflow: env: GITHUB_TOKEN: ${{ github.token }})")
        try:
            body = args.body_file.read_text()
        except OSError as exc:
            raise CiError(f"--body-file {args.body_file}: {exc.strerror}") from exc
        action, comment_id = upsert_comment(args.api_url, args.repo, args.pr, body, token)
        print(f"{action} comment {comment_id} on {args.repo}#{args.pr}")
        return 0
    except (CiError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
