"""The review workflow's steps without GitHub: synthesize a ref offline, create-or-update one comment."""

from __future__ import annotations

import importlib
import json
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # cfn-lint depends on PyYAML; no stubs pinned

from buttress.tools import review_ci
from buttress.tools.assembly import read_assembly
from buttress.tools.review import MARKER
from tests.harness import REPO

WORKFLOW = REPO / ".github" / "workflows" / "review.yml"


def _commands() -> list[list[str]]:
    """Every ``python -m buttress...`` command line of the workflow, variables filled in."""
    workflow = yaml.safe_load(WORKFLOW.read_text())
    found = []
    for job in workflow["jobs"].values():
        env = {**job.get("env", {}), "GITHUB_REPOSITORY": "o/r", "PR_NUMBER": "7"}
        for step in job["steps"]:
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                if "python -m buttress" not in line:
                    continue
                for name, value in env.items():
                    line = line.replace(f"${name}", str(value).replace("${{ github.workspace }}", "/ws"))
                found.append(shlex.split(line.split("python -m ", 1)[1]))
    return found


def test_workflow_commands_parse_with_the_tools_arguments() -> None:
    commands = _commands()
    assert [c[0] for c in commands] == [
        "buttress.tools.review_ci",
        "buttress.tools.review_ci",
        "buttress.review",
        "buttress.tools.review_ci",
        "buttress.tools.review_ci",
    ]
    status = commands[3]  # the review job's last step; the comment job's command follows
    assert status[1:] == ["status", "--report", "review/report.json"]
    assert commands[-1][1] == "comment"
    assert commands[2][commands[2].index("--json") + 1] == status[-1]  # the review writes what status reads
    for module, *argv in commands:
        parser = importlib.import_module("buttress.tools.review" if module == "buttress.review" else module)._parser()
        parser.parse_args(argv)  # exits 2 on a flag the tool does not have
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # The job that runs the pull request's code reads; only the comment job (none of that code) writes.
    assert workflow["permissions"] == {}
    assert workflow["jobs"]["review"]["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["comment"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert workflow["jobs"]["comment"]["steps"][0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert workflow[True] == {"pull_request": None}  # YAML 1.1 reads the key `on` as True


class FakeGitHub(BaseHTTPRequestHandler):
    comments: list[dict[str, Any]] = []
    calls: list[tuple[str, str, str]] = []

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        return loaded

    def do_GET(self) -> None:
        self.calls.append(("GET", self.path, self.headers["Authorization"]))
        page = int(self.path.rsplit("page=", 1)[1])
        self._reply(200, self.comments[(page - 1) * 100 : page * 100])

    def do_POST(self) -> None:
        self.calls.append(("POST", self.path, self.headers["Authorization"]))
        comment = {"id": 1000 + len(self.comments), "body": self._body()["body"]}
        self.comments.append(comment)
        self._reply(201, comment)

    def do_PATCH(self) -> None:
        self.calls.append(("PATCH", self.path, self.headers["Authorization"]))
        comment_id = int(self.path.rsplit("/", 1)[1])
        comment = next(c for c in self.comments if c["id"] == comment_id)
        comment["body"] = self._body()["body"]
        self._reply(200, comment)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github() -> Iterator[str]:
    FakeGitHub.comments = [{"id": i, "body": f"chatter {i}"} for i in range(150)]  # two pages
    FakeGitHub.calls = []
    server = HTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_comment_is_created_once_then_updated(
    github: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    report.write_text(f"{MARKER}\n## buttress review\nfirst\n")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    argv = ["comment", "--repo", "o/r", "--pr", "7", "--body-file", str(report), "--api-url", github]
    assert review_ci.main(argv) == 0
    assert capsys.readouterr().out.strip() == "created comment 1150 on o/r#7"
    report.write_text(f"{MARKER}\n## buttress review\nsecond\n")
    assert review_ci.main(argv) == 0
    assert capsys.readouterr().out.strip() == "updated comment 1150 on o/r#7"
    ours = [c for c in FakeGitHub.comments if MARKER in c["body"]]
    assert len(ours) == 1 and ours[0]["body"].endswith("second\n")
    assert {auth for _, _, auth in FakeGitHub.calls} == {"Bearer t0ken"}
    assert [(m, p) for m, p, _ in FakeGitHub.calls if m != "GET"] == [
        ("POST", "/repos/o/r/issues/7/comments"),
        ("PATCH", "/repos/o/r/issues/comments/1150"),
    ]


def test_comment_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    argv = ["comment", "--repo", "o/r", "--pr", "7", "--body-file", str(tmp_path / "nope.md")]
    assert review_ci.main(argv) == 2
    assert "GITHUB_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("GITHUB_TOKEN", "x")
    assert review_ci.main(argv) == 2
    assert f"--body-file {tmp_path / 'nope.md'}: No such file or directory" in capsys.readouterr().err


APP = """
import os, sys
sys.path.insert(0, {repo!r})
from buttress.tools.assembly import write_assembly
queue = {{"Type": "AWS::SQS::Queue", "Properties": {{"VisibilityTimeout": int(open("timeout").read())}}}}
write_assembly(os.environ["CDK_OUTDIR"], {{"App": {{"Resources": {{"Q": queue}}}}}})
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_synth_a_ref_in_a_worktree_and_the_working_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real CDK CLI runs an app at a past commit and as it is now, offline; the repo is left clean."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(APP.format(repo=str(REPO)))
    (repo / "timeout").write_text("30")
    (repo / "node_modules").symlink_to(REPO / "node_modules")
    _git(repo, "init", "-q")
    _git(repo, "add", "app.py", "timeout")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    (repo / "timeout").write_text("60")
    app = f"{sys.executable} app.py"
    base, head = tmp_path / "base", tmp_path / "head"
    assert review_ci.main(["synth", str(base), "--ref", "HEAD", "--repo", str(repo), "--app", app]) == 0
    assert review_ci.main(["synth", str(head), "--repo", str(repo), "--app", app]) == 0
    timeouts = [
        read_assembly(d).template("App")["Resources"]["Q"]["Properties"]["VisibilityTimeout"] for d in (base, head)
    ]
    assert timeouts == [30, 60]
    worktrees = subprocess.run(["git", "-C", str(repo), "worktree", "list"], capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1
    capsys.readouterr()
    assert review_ci.main(["synth", str(base), "--ref", "nope", "--repo", str(repo), "--app", app]) == 2
    assert "--ref nope: not a commit of" in capsys.readouterr().err


NAG_APP = """
import json, os, sys
sys.path.insert(0, {repo!r})
from buttress.tools.assembly import write_assembly
out = write_assembly(os.environ["CDK_OUTDIR"], {{"App": {{"Resources": {{"B": {{"Type": "AWS::S3::Bucket"}}}}}}}})
violation = {{"ruleName": "AwsSolutions-S1", "description": "no access logs",
             "violatingConstructs": [{{"constructPath": "App/B/Resource"}}]}}
report = {{"pluginReports": [{{"pluginName": "AwsSolutions", "violations": [violation]}}]}}
(out / "validation-report.json").write_text(json.dumps(report))
sys.exit("Validation failed")
"""


def test_synth_failing_on_cdk_nag_findings_is_still_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(NAG_APP.format(repo=str(REPO)))
    (repo / "node_modules").symlink_to(REPO / "node_modules")
    out = tmp_path / "head"
    assert review_ci.main(["synth", str(out), "--repo", str(repo), "--app", f"{sys.executable} app.py"]) == 0
    assert "cdk synth failed on policy-validation findings (cdk-nag); reviewing them" in capsys.readouterr().err
    (out / "validation-report.json").unlink()
    assert review_ci._failed_on_findings(out) is False


def _review_json(tmp_path: Path, *extra: str) -> Path:
    from buttress.tools.assembly import write_assembly
    from buttress.tools.review import main as review_main

    table = {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "a"}}
    base = write_assembly(tmp_path / "base", {"App": {"Resources": {"T": table}}})
    renamed = {**table, "Properties": {"TableName": "b"}}
    head = write_assembly(tmp_path / "head", {"App": {"Resources": {"T": renamed}}})
    report = tmp_path / "report.json"
    review_main([str(base), str(head), "--no-cfn-lint", "--json", str(report), *extra])
    return report


def test_status_from_the_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _review_json(tmp_path)
    capsys.readouterr()
    assert review_ci.main(["status", "--report", str(report)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "::error title=buttress-review%3A stateful::App T (AWS::DynamoDB::Table) replaced: `TableName` is create-only",
        "buttress-review: stateful (fail-on stateful,widening,update)",
    ]
    acks = tmp_path / "acks.json"
    ack = {"stack": "App", "resource": "T", "kind": "stateful", "reason": "empty, 50%\nrenamed"}
    acks.write_text(json.dumps({"version": 1, "acknowledgements": [ack]}))
    report = _review_json(tmp_path, "--acknowledgements", str(acks))
    capsys.readouterr()
    assert review_ci.main(["status", "--report", str(report)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("(acknowledged: empty, 50%25%0Arenamed)") and out[0].startswith("::notice ")
    assert out[1] == "buttress-review: nothing risky (acknowledged changes only)"
    report = _review_json(tmp_path, "--fail-on", "cost,findings", "--acknowledgements", str(acks))
    data = json.loads(report.read_text())
    report.write_text(json.dumps({**data, "failing": ["cost"], "summary": {**data["summary"], "cost_delta": 32.85}}))
    capsys.readouterr()
    assert review_ci.main(["status", "--report", str(report)]) == 1
    assert "::error title=buttress-review%3A cost::fixed monthly cost +$32.85 at list prices" in capsys.readouterr().out
    report.write_text(json.dumps({"schema": "buttress-review/2"}))
    assert review_ci.main(["status", "--report", str(report)]) == 2
    assert "report schema 'buttress-review/2': this buttress reads buttress-review/1" in capsys.readouterr().err
    report.write_text("[")
    assert review_ci.main(["status", "--report", str(report)]) == 2
    assert "not JSON" in capsys.readouterr().err
