"""``make integ`` and ``make integ-clean``: the integration suite against the caller's own AWS account.

``run``: refuse at once (exit 2, one line) without credentials or a region; synthesize the integ
apps with a fresh run id; print what the run costs (minutes, and dollars at list prices from
:mod:`buttress.tools.cost`) and ask for confirmation (``--yes``: don't); then bootstrap if the
account/region is not, deploy (``--base REF``: deploy REF's build of the same apps first, then
update to the working tree), run ``pytest tests/integ`` against the account, and destroy. With
``--keep`` a failed run keeps its stacks for inspection. ``--dry-run`` prints the plan and calls
nothing.

``clean``: list the stacks and the resources tagged ``buttress:integ-run`` (any run, or
``--run-id``) and delete them after confirmation.

Every AWS call of this module happens after the confirmation, never in ``--dry-run``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integ.names import APP_NAMES as APPS
from tests.integ.names import EMAIL_CONTEXT, RUN_TAG, stack_name
from tests.integ.target import APPS_VARIABLE, ASSEMBLIES_VARIABLE, BASE_VARIABLE, RUN_ID_VARIABLE, TARGET_VARIABLE

REPO = Path(__file__).resolve().parent.parent.parent
#: Minutes each app takes on a real account: deploy, its assertions, destroy (typical provisioning
#: times: a VPC with a NAT gateway ~3 min, a load balancer ~3 min, flow-log delivery up to 10 min,
#: a circuit-breaker rollback ~10 min, a VPC build ~3 min; KMS keys and topics seconds).
MINUTES: Mapping[str, float] = {"fanout": 4, "killswitch": 5, "network": 18, "alb": 30, "codebuild": 14}
#: The update path deploys BASE first: the deploy part again.
BASE_MINUTES: Mapping[str, float] = {"fanout": 2, "killswitch": 3, "network": 4, "alb": 6, "codebuild": 4}
CLI_TIMEOUT_S = 3600
CDK_ENV: Mapping[str, str] = {"CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_DISABLE_VERSION_CHECK": "true"}


# -- the account ----------------------------------------------------------------------------------


def credentials_problem() -> str:
    """Why this environment cannot run against an account ("" if it can). Resolves locally, calls nothing."""
    import boto3

    session = boto3.session.Session()
    if session.get_credentials() is None:
        return "no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or log in with aws sso login)"
    if not session.region_name:
        return "no AWS region (set AWS_REGION or a region in your profile)"
    return ""


def account_env() -> dict[str, str]:
    """The caller's environment (with its credentials) and the pinned CLI with the venv's Node first on PATH."""
    bin_dirs = [str(Path(sys.executable).parent), str(REPO / "node_modules" / ".bin")]
    return {**os.environ, **CDK_ENV, "PATH": os.pathsep.join([*bin_dirs, os.environ.get("PATH", "")])}


def cdk(args: Sequence[str], env: Mapping[str, str], *, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    print("$ cdk " + " ".join(args), flush=True)
    proc = subprocess.run(["cdk", *args, "--no-notices"], env=dict(env), cwd=REPO, timeout=CLI_TIMEOUT_S, check=False)
    if check and proc.returncode:
        raise SystemExit(f"cdk {args[0]} failed with exit code {proc.returncode}")
    return proc


def new_run_id() -> str:
    return time.strftime("r%m%d%H%M", time.gmtime()) + "-" + secrets.token_hex(2)


# -- the estimate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    app: str
    minutes: float
    monthly_usd: float
    run_usd: float
    usage_based: tuple[str, ...] = ()


def estimate(assemblies: Mapping[str, Path], *, base: bool = False) -> list[Estimate]:
    """Minutes and list-price dollars of one run of each app (fixed costs prorated to the minutes)."""
    from buttress.tools.cost import estimate_assembly, load_prices

    prices = load_prices()
    out = []
    for app, outdir in assemblies.items():
        minutes = MINUTES[app] + (BASE_MINUTES[app] if base else 0)
        costs = estimate_assembly(outdir, prices)
        monthly = sum(c.monthly for c in costs)
        usage = tuple(sorted({t for c in costs for t in c.usage_based}))
        out.append(Estimate(app, minutes, monthly, monthly * minutes / 60 / prices.hours_per_month, usage))
    return out


def render_estimate(rows: Sequence[Estimate]) -> str:
    from buttress.tools.cost import load_prices

    prices = load_prices()
    lines = [
        f"What this run costs (fixed costs at {prices.region} list prices as of {prices.as_of}, "
        "prorated to the minutes):",
        f"  {'app':<11} {'minutes':>7} {'$/month if kept':>16} {'$ this run':>11}",
    ]
    for row in rows:
        lines.append(f"  {row.app:<11} {row.minutes:>7g} {row.monthly_usd:>16,.2f} {row.run_usd:>11,.3f}")
    lines.append(
        f"  {'total':<11} {sum(r.minutes for r in rows):>7g} "
        f"{sum(r.monthly_usd for r in rows):>16,.2f} {sum(r.run_usd for r in rows):>11,.3f}"
    )
    usage = sorted({t for r in rows for t in r.usage_based})
    if usage:
        lines.append(f"  plus usage (requests, build minutes, data; cents for one run): {', '.join(usage)}")
    return "\n".join(lines)


# -- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One command of the run. ``phase``: setup, test or teardown; ``when``: its condition, if any."""

    phase: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    when: str = ""
    cwd: str = ""

    def show(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        when = f"   # {self.when}" if self.when else ""
        cd = f"(cd {shlex.quote(self.cwd)}) " if self.cwd else ""
        return f"[{self.phase}] {cd}{env + ' ' if env else ''}{shlex.join(self.argv)}{when}"


@dataclass(frozen=True)
class Plan:
    run_id: str
    apps: tuple[str, ...]
    outdir: Path
    account: str
    region: str
    base: str = ""
    keep: bool = False
    bootstrapped: bool | None = None  # None: not known (dry run)


def steps(plan: Plan) -> list[Step]:
    """Every command of ``plan``, in order."""
    python = sys.executable
    deploy = ("--require-approval", "never", "--all")
    out: list[Step] = []
    if plan.bootstrapped is not True:
        out.append(
            Step(
                "setup",
                ("cdk", "bootstrap", f"aws://{plan.account}/{plan.region}"),
                when="the CDKToolkit stack is missing" if plan.bootstrapped is None else "",
            )
        )
    if plan.base:
        worktree, base_out, here = plan.outdir / "base-src", plan.outdir / "base", plan.outdir / "base-run"
        out.append(Step("setup", ("git", "worktree", "add", "--detach", str(worktree), plan.base)))
        # The working tree's apps built with BASE's buttress (what a user's app meets when upgrading):
        # `python -m` puts its folder first on sys.path, where `tests` is the working tree's; `buttress`
        # is only on PYTHONPATH, BASE's checkout, which comes before the installed one.
        out.append(Step("setup", ("mkdir", "-p", str(here))))
        out.append(Step("setup", ("ln", "-sfn", str(REPO / "tests"), str(here / "tests"))))
        synth = (python, "-m", "tests.integ.apps", "--outdir", str(base_out), "--run-id", plan.run_id)
        out.append(Step("setup", (*synth, "--only", *plan.apps), env={"PYTHONPATH": str(worktree)}, cwd=str(here)))
        out.append(Step("setup", ("git", "worktree", "remove", "--force", str(worktree))))
        out += [Step("setup", ("cdk", "deploy", "--app", str(base_out / app), *deploy)) for app in plan.apps]
    out += [Step("setup", ("cdk", "deploy", "--app", str(plan.outdir / app), *deploy)) for app in plan.apps]
    test_env = {
        TARGET_VARIABLE: "account",
        RUN_ID_VARIABLE: plan.run_id,
        ASSEMBLIES_VARIABLE: str(plan.outdir),
        APPS_VARIABLE: ",".join(plan.apps),
        **({BASE_VARIABLE: plan.base} if plan.base else {}),
    }
    out.append(
        Step("test", (python, "-m", "pytest", "tests/integ", "-n", "0", "-p", "no:cacheprovider", "-rs"), test_env)
    )
    out += [
        Step(
            "teardown",
            ("cdk", "destroy", "--app", str(plan.outdir / app), "--all", "--force"),
            when="unless the run failed (--keep)" if plan.keep else "",
        )
        for app in plan.apps
    ]
    return out


Executor = Callable[[Step], int]


def execute(plan_steps: Sequence[Step], executor: Executor, *, keep: bool) -> int:
    """Run the steps; teardown always, except after a failure with ``keep``. 0 if every step passed."""
    failed = ""
    for step in plan_steps:
        if step.phase == "teardown" and failed and keep:
            continue
        if step.phase != "teardown" and failed:
            continue
        if executor(step) != 0:
            failed = failed or step.show()
    if failed:
        print(f"make integ: failed at {failed}", file=sys.stderr)
        if keep:
            print("make integ: stacks kept (KEEP=1); `make integ-clean` removes them", file=sys.stderr)
        return 1
    return 0


def subprocess_executor(step: Step) -> int:
    print(step.show(), flush=True)
    env = {**account_env(), **step.env}
    cwd = step.cwd or REPO
    return subprocess.run(list(step.argv), env=env, cwd=cwd, timeout=CLI_TIMEOUT_S, check=False).returncode


# -- the commands ---------------------------------------------------------------------------------


def confirm(question: str, *, yes: bool, ask: Callable[[str], str] = input) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty() and ask is input:
        print("make integ: not confirmed (no terminal to ask); run with YES=1", file=sys.stderr)
        return False
    return ask(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def run(
    args: argparse.Namespace,
    *,
    executor: Executor = subprocess_executor,
    ask: Callable[[str], str] = input,
    resolve: Callable[[], tuple[str, bool]] | None = None,
) -> int:
    """``make integ``. ``resolve`` returns (account id, bootstrapped?) from the real account (after confirmation)."""
    problem = credentials_problem()
    if problem:
        print(f"make integ: {problem}; nothing was deployed", file=sys.stderr)
        return 2
    import boto3

    region = str(boto3.session.Session().region_name)
    apps = tuple(args.only or APPS)
    unknown = sorted(set(apps) - set(APPS))
    if unknown:
        print(f"make integ: no integ app {', '.join(unknown)}; the apps are {', '.join(APPS)}", file=sys.stderr)
        return 2
    run_id = args.run_id or new_run_id()
    outdir = Path(args.assemblies) if args.assemblies else Path(tempfile.mkdtemp(prefix=f"buttress-integ-{run_id}-"))
    if args.assemblies:
        assemblies = {app: outdir / app for app in apps}
    else:
        context = {EMAIL_CONTEXT: os.environ["INTEG_EMAIL"]} if os.environ.get("INTEG_EMAIL") else None
        print(f"synthesizing the integ apps for run {run_id}", flush=True)
        from tests.integ.apps import synth_apps

        assemblies = synth_apps(outdir, run_id=run_id, names=apps, context=context)
    print(render_estimate(estimate(assemblies, base=bool(args.base))))
    stacks = ", ".join(stack_name(app, run_id) for app in apps)
    print(f"Stacks: {stacks}; every resource tagged {RUN_TAG}={run_id}.")
    plan = Plan(run_id, apps, outdir, "<account>", region, base=args.base or "", keep=args.keep)
    if args.dry_run:
        print("Plan (dry run, nothing called):")
        print("\n".join("  " + s.show() for s in steps(plan)))
        return 0
    if not confirm(f"Deploy to the account of your credentials in {region}?", yes=args.yes, ask=ask):
        return 1
    account, bootstrapped = (resolve or _resolve_account)()
    plan = Plan(run_id, apps, outdir, account, region, base=args.base or "", keep=args.keep, bootstrapped=bootstrapped)
    return execute(steps(plan), executor, keep=args.keep)


def _resolve_account() -> tuple[str, bool]:
    import boto3
    from botocore.exceptions import ClientError

    account = str(boto3.client("sts").get_caller_identity()["Account"])
    try:
        boto3.client("cloudformation").describe_stacks(StackName="CDKToolkit")
        return account, True
    except ClientError:
        return account, False


def _boto3_client(service: str) -> Any:
    import boto3

    return boto3.client(service)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Leftovers:
    stacks: list[str]
    resources: list[str]  # ARNs tagged with the run tag outside any live stack


def find_leftovers(run_id: str = "", *, client: Callable[[str], Any] | None = None) -> Leftovers:
    """The stacks and other resources tagged ``buttress:integ-run`` (= ``run_id`` if given)."""
    make = client or _boto3_client

    def tagged(tags: Sequence[Mapping[str, str]]) -> bool:
        return any(t["Key"] == RUN_TAG and (not run_id or t["Value"] == run_id) for t in tags)

    stacks = [
        s["StackName"]
        for page in make("cloudformation").get_paginator("describe_stacks").paginate()
        for s in page["Stacks"]
        if s["StackStatus"] != "DELETE_COMPLETE" and tagged(s.get("Tags", []))
    ]
    filters: list[dict[str, Any]] = [{"Key": RUN_TAG, **({"Values": [run_id]} if run_id else {})}]
    resources = []
    for page in make("resourcegroupstaggingapi").get_paginator("get_resources").paginate(TagFilters=filters):
        for mapping in page["ResourceTagMappingList"]:
            owner = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}.get("aws:cloudformation:stack-name")
            is_stack = mapping["ResourceARN"].split(":")[2] == "cloudformation"  # listed above
            if owner not in stacks and not is_stack:
                resources.append(mapping["ResourceARN"])
    return Leftovers(sorted(stacks), sorted(resources))


def delete_resource(arn: str, *, client: Callable[[str], Any]) -> str:
    """Delete one leftover by its ARN; what was done (or why not)."""
    parts = arn.split(":")
    service, rest = parts[2], ":".join(parts[5:])
    if service == "logs" and rest.startswith("log-group:"):
        client("logs").delete_log_group(logGroupName=rest.split(":", 1)[1].removesuffix(":*"))
    elif service == "dynamodb" and rest.startswith("table/"):
        client("dynamodb").delete_table(TableName=rest.split("/", 1)[1])
    elif service == "sqs":
        client("sqs").delete_queue(QueueUrl=client("sqs").get_queue_url(QueueName=parts[5])["QueueUrl"])
    elif service == "sns":
        client("sns").delete_topic(TopicArn=arn)
    elif service == "lambda":
        client("lambda").delete_function(FunctionName=arn)
    elif service == "kms":
        client("kms").schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
        return f"scheduled for deletion in 7 days: {arn}"
    else:
        return f"left alone (delete it by hand): {arn}"
    return f"deleted {arn}"


def clean(args: argparse.Namespace, *, ask: Callable[[str], str] = input) -> int:
    """``make integ-clean``: list the leftovers of integ runs, then delete them."""
    problem = credentials_problem()
    if problem:
        print(f"make integ-clean: {problem}", file=sys.stderr)
        return 2
    import boto3

    found = find_leftovers(args.run_id or "")
    print(f"integ stacks ({len(found.stacks)}): {', '.join(found.stacks) or 'none'}")
    print(f"other resources tagged {RUN_TAG} ({len(found.resources)}):")
    print("\n".join(f"  {arn}" for arn in found.resources) or "  none")
    if not (found.stacks or found.resources) or args.dry_run:
        return 0
    if not confirm("Delete all of them?", yes=args.yes, ask=ask):
        return 1
    cfn = boto3.client("cloudformation")
    for stack in found.stacks:
        cfn.delete_stack(StackName=stack)
        print(f"deleting stack {stack}")
    from botocore.exceptions import ClientError

    for arn in found.resources:
        try:
            print(delete_resource(arn, client=_boto3_client))
        except ClientError as error:  # e.g. a key already pending deletion: say so, go on
            print(f"not deleted ({error.response['Error']['Code']}): {arn}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.integ.runner", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_ = commands.add_parser("run", help="deploy, assert, destroy (make integ)")
    run_.add_argument("--base", help="git ref to deploy first, then update to the working tree")
    run_.add_argument("--keep", action="store_true", help="keep the stacks when the run fails")
    run_.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    run_.add_argument("--dry-run", action="store_true", help="print the estimate and the plan; call nothing")
    run_.add_argument("--only", nargs="*", default=[], help=f"apps to run (default all: {' '.join(APPS)})")
    run_.add_argument("--run-id", help="the run id (default: a new one)")
    run_.add_argument("--assemblies", help="the apps already synthesized under this folder (one per app)")
    clean_ = commands.add_parser("clean", help="list and delete leftovers of integ runs (make integ-clean)")
    clean_.add_argument("--run-id", help="only this run's (default: every run's)")
    clean_.add_argument("--yes", action="store_true")
    clean_.add_argument("--dry-run", action="store_true", help="list only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # jsii (the synthesis) and the CLI run on the venv's Node 24, as under make.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return run(args) if args.command == "run" else clean(args)


if __name__ == "__main__":
    sys.exit(main())
