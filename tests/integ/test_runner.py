"""``make integ`` / ``make integ-clean`` without an account: refusal, estimate, confirmation, the plan.

Nothing here reaches AWS: the refusal needs no call, ``--dry-run`` and the fake executor stop before
any, and ``integ-clean`` runs against moto (``mock_aws``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integ import runner
from tests.integ.apps import APPS, RUN_TAG
from tests.integ.runner import Plan, Step, execute, main, steps
from tests.integ.target import RUN_ID_VARIABLE, TARGET_VARIABLE, offline_only

pytestmark = [pytest.mark.xdist_group("integ"), offline_only]
REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake_credentials(no_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    # Any call that slipped through would go here and fail at once, never to AWS.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


def test_make_integ_without_credentials_exits_2_with_one_line(no_credentials: None) -> None:
    """The runner (what `make integ` runs): one line on stderr, nothing on stdout, exit 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    env["PATH"] = _venv_path()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.integ.runner", "run", "--yes"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "no AWS credentials" in proc.stderr


def _venv_path() -> str:
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def test_makefile_maps_the_variables_onto_the_runner() -> None:
    """make -n: BASE (only when given), KEEP and YES become --base, --keep and --yes."""
    plain = _make_n("integ")
    assert "tests.integ.runner run" in plain and "--base" not in plain and "--keep" not in plain
    full = _make_n("integ", "BASE=v0.1.0", "KEEP=1", "YES=1")
    assert "--base v0.1.0" in full and "--keep" in full and "--yes" in full
    assert "tests.integ.runner clean" in _make_n("integ-clean")
    assert "pytest tests/integ" in _make_n("integ-local")


def _make_n(*args: str) -> str:
    # The stamp files exist in a set-up checkout: make -n prints only the target's own recipe.
    proc = subprocess.run(["make", "-n", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_dry_run_prints_the_estimate_and_the_plan_and_calls_nothing(
    fake_credentials: None, integ_assemblies: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = next(iter(integ_assemblies.values())).parent
    assert main(["run", "--dry-run", "--assemblies", str(root), "--run-id", "offline", "--base", "v1"]) == 0
    out = capsys.readouterr().out
    assert "What this run costs" in out and "$ this run" in out
    for app in APPS:
        assert f"cdk deploy --app {root / app}" in out
    assert "cdk bootstrap 'aws://<account>/eu-west-1'" in out and "the CDKToolkit stack is missing" in out
    assert "git worktree add --detach" in out and " v1" in out


def test_estimate_prorates_the_fixed_monthly_cost(integ_assemblies: dict[str, Path]) -> None:
    from buttress.tools.cost import load_prices

    hours = load_prices().hours_per_month
    rows = {r.app: r for r in runner.estimate(integ_assemblies)}
    assert set(rows) == set(APPS)
    for row in rows.values():
        assert row.run_usd == pytest.approx(row.monthly_usd * row.minutes / 60 / hours)
    assert rows["alb"].monthly_usd > rows["fanout"].monthly_usd > 0  # a NAT gateway and a load balancer vs two keys
    with_base = {r.app: r for r in runner.estimate(integ_assemblies, base=True)}
    assert all(with_base[app].minutes > rows[app].minutes for app in APPS)


def _args(**overrides: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "base": None,
        "keep": False,
        "yes": False,
        "dry_run": False,
        "only": ["fanout"],
        "run_id": "offline",
        "assemblies": None,
    }
    values.update(overrides)
    return argparse.Namespace(**values)


def test_declined_confirmation_deploys_nothing(fake_credentials: None, integ_assemblies: dict[str, Path]) -> None:
    root = next(iter(integ_assemblies.values())).parent
    ran: list[Step] = []

    def executor(step: Step) -> int:
        ran.append(step)
        return 0

    def resolve() -> tuple[str, bool]:
        raise AssertionError("the account was asked before the confirmation")

    code = runner.run(_args(assemblies=str(root)), executor=executor, ask=lambda _: "n", resolve=resolve)
    assert code == 1 and ran == []


def test_confirmed_run_executes_the_plan_in_order(fake_credentials: None, integ_assemblies: dict[str, Path]) -> None:
    root = next(iter(integ_assemblies.values())).parent
    ran: list[Step] = []

    def executor(step: Step) -> int:
        ran.append(step)
        return 0

    code = runner.run(
        _args(assemblies=str(root)), executor=executor, ask=lambda _: "y", resolve=lambda: ("111122223333", True)
    )
    assert code == 0
    assert [s.argv[:2] for s in ran] == [("cdk", "deploy"), (sys.executable, "-m"), ("cdk", "destroy")]
    assert ran[1].env[TARGET_VARIABLE] == "account" and ran[1].env[RUN_ID_VARIABLE] == "offline"


def test_plan_bootstraps_only_when_needed_and_deploys_base_first() -> None:
    plan = Plan("r1", ("fanout", "alb"), Path("/o"), "111122223333", "eu-west-1", base="v1", bootstrapped=False)
    shown = [s.show() for s in steps(plan)]
    assert shown[0] == "[setup] cdk bootstrap aws://111122223333/eu-west-1"
    deploys = [line for line in shown if "cdk deploy" in line]
    assert deploys == [
        "[setup] cdk deploy --app /o/base/fanout --require-approval never --all",
        "[setup] cdk deploy --app /o/base/alb --require-approval never --all",
        "[setup] cdk deploy --app /o/fanout --require-approval never --all",
        "[setup] cdk deploy --app /o/alb --require-approval never --all",
    ]
    synth = next(s for s in steps(plan) if "tests.integ.apps" in s.argv)
    assert synth.env == {"PYTHONPATH": "/o/base-src"} and synth.cwd == "/o/base-run"  # BASE's buttress
    assert not any(
        "bootstrap" in s.show() for s in steps(Plan("r1", ("fanout",), Path("/o"), "1", "r", bootstrapped=True))
    )


@pytest.mark.parametrize(("keep", "destroyed"), [(False, True), (True, False)])
def test_failed_run_destroys_unless_keep(keep: bool, destroyed: bool) -> None:
    plan = Plan("r1", ("fanout",), Path("/o"), "1", "r", keep=keep, bootstrapped=True)
    ran: list[str] = []

    def executor(step: Step) -> int:
        ran.append(step.phase)
        return 1 if step.phase == "test" else 0

    assert execute(steps(plan), executor, keep=keep) == 1
    assert ("teardown" in ran) is destroyed


def test_integ_clean_lists_and_removes_leftovers_by_tag(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import boto3

    from tests.moto_env import mocked_aws

    with mocked_aws():
        cfn = boto3.client("cloudformation")
        template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
        cfn.create_stack(
            StackName="ButtressInteg-Fanout-r1",
            TemplateBody=json.dumps(template),
            Tags=[{"Key": RUN_TAG, "Value": "r1"}],
        )
        cfn.create_stack(StackName="Unrelated", TemplateBody=json.dumps(template))
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName="/kept/by/a/run", tags={RUN_TAG: "r1"})
        logs.create_log_group(logGroupName="/not/ours")
        found = runner.find_leftovers("r1")
        assert found.stacks == ["ButtressInteg-Fanout-r1"]
        assert [arn.split(":")[-2] if arn.endswith(":*") else arn.split(":")[-1] for arn in found.resources] == [
            "/kept/by/a/run"
        ]
        code = runner.clean(argparse.Namespace(run_id="r1", yes=True, dry_run=False))
        assert code == 0
        names = {s["StackName"] for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}
        assert names == {"Unrelated"}
        groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
        assert groups == {"/not/ours"}
    assert "integ stacks (1): ButtressInteg-Fanout-r1" in capsys.readouterr().out
