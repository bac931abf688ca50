"""``make deploy-local``: a deploy rehearsal against moto's server, with no AWS account.

Starts moto's server on 127.0.0.1 (endpoint ``http://localhost:PORT``: moto resolves the
template URLs the CLI hands CloudFormation only for "localhost"), synthesizes the example app,
runs the pinned CLI's ``cdk bootstrap`` and ``cdk deploy --require-approval never`` against it
with fake credentials, then lists every resource moto accepted but did not really create, and
stops the server. Every AWS call goes to loopback: the CLI's environment has no real
credentials and ``AWS_ENDPOINT_URL`` points at moto.

What it proves: the stacks synthesize into an assembly the CLI can bootstrap for, publish the
assets of (S3 file assets, the templates) and create change sets from, and that moto's
CloudFormation layer resolves every reference, condition and dependency. What it does not prove
is in the README ("Local deploy rehearsal").
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buttress.tools.assembly import read_assembly
from scripts.repo_env import repo_env

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
REGION = "us-east-1"
#: Upper bound of each CLI call; a rehearsal that hangs is a failure, not a wait.
CLI_TIMEOUT_S = 600

CUSTOM_RESOURCE_NOTE = (
    "custom resource: moto invokes its handler Lambda only in Docker (none here), "
    "yet reports CREATE_COMPLETE with no data"
)


@dataclass(frozen=True)
class Skipped:
    stack: str
    logical_id: str
    type_: str
    reason: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def moto_modelled_types() -> set[str]:
    """Resource types moto's CloudFormation layer really creates (its ``parsing`` model map)."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    return set(get_model_map()) - set(NULL_MODELS)


def skipped_resources(
    stack: str, template: dict[str, Any], listed: set[str] | None = None, modelled: set[str] | None = None
) -> list[Skipped]:
    """Resources of ``template`` that moto accepts without creating anything.

    ``listed`` are the logical ids moto reports for the deployed stack (``None``: not deployed,
    judge by type only); ``modelled`` defaults to :func:`moto_modelled_types`.
    """
    modelled = moto_modelled_types() if modelled is None else modelled
    out = []
    for logical_id, resource in sorted(template.get("Resources", {}).items()):
        type_ = resource.get("Type", "")
        if type_.startswith("Custom::") or type_ == "AWS::CloudFormation::CustomResource":
            reason = CUSTOM_RESOURCE_NOTE
        elif type_ not in modelled:
            reason = "no model in moto's CloudFormation layer: accepted, nothing created"
        elif listed is not None and logical_id not in listed:
            if "Condition" in resource:
                continue  # a false condition: not created in AWS either
            reason = "not among the stack's resources in moto (condition false or dropped)"
        else:
            continue
        out.append(Skipped(stack, logical_id, type_, reason))
    return out


def fake_aws_env(endpoint: str) -> dict[str, str]:
    """The offline environment with fake credentials and every AWS endpoint at moto's server."""
    return repo_env(endpoint=endpoint, extra={"CDK_DEFAULT_ACCOUNT": ACCOUNT, "CDK_DEFAULT_REGION": REGION})


#: Intrinsic functions moto's CloudFormation layer lacks and the rehearsal resolves itself.
MOTO_GAPS_FILLED = {
    "change-set outputs": "moto executes a change set without re-reading the template's Outputs, so "
    "a stack the CLI deploys has none (no describe-stacks outputs, no exports for Fn::ImportValue); "
    "the rehearsal refreshes them after each execution",
    "Fn::GetStackOutput": "aws-cdk-lib's cross-stack references read the producing stack's output; "
    "moto 5.2 leaves it unresolved (then crashes creating e.g. a security group), so the rehearsal "
    "resolves it as CloudFormation does: the named stack's output value",
}


def fill_moto_gaps() -> None:
    """Fill the moto gaps of :data:`MOTO_GAPS_FILLED` in the in-process server (moto 5.2.5).

    moto's ``clean_json`` resolves every intrinsic recursively through the module-level name,
    so wrapping that name covers nested uses (in ``Fn::Join``, ``Fn::Sub``, outputs, ...).
    """
    from moto.cloudformation import models, parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import cloudformation_backends

    original = parsing.clean_json
    if getattr(original, "buttress_gaps_filled", False):
        return
    original_apply = models.ChangeSet.apply

    def apply(self: Any) -> None:
        original_apply(self)
        self.stack.template = self.template
        self.stack._parse_template()
        self.stack.output_map = self.stack._create_output_map()

    models.ChangeSet.apply = apply  # type: ignore[method-assign]

    from moto.kms.models import Key

    original_key_from_cfn = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def key_from_cfn(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
        properties = cloudformation_json.get("Properties", {})
        properties["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in properties.get("Tags", [])
        ]
        return original_key_from_cfn(cls, resource_name, cloudformation_json, *args, **kwargs)

    Key.create_from_cloudformation_json = classmethod(key_from_cfn)  # type: ignore[method-assign,assignment]

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
            spec = original(resource_json["Fn::GetStackOutput"], resources_map)
            region = spec.get("Region") or resources_map._region_name
            stack = cloudformation_backends[resources_map._account_id][region].get_stack(spec["StackName"])
            if spec["OutputName"] in stack.output_map.outputs:
                output = stack.output_map[spec["OutputName"]]
                if output is not None:
                    return output.value
            raise ValidationError(message=f"Stack {spec['StackName']} has no output {spec['OutputName']}")
        return original(resource_json, resources_map)

    clean_json.buttress_gaps_filled = True  # type: ignore[attr-defined]
    parsing.clean_json = clean_json


def needs_gap_filled(gap: str, template: Mapping[str, Any]) -> bool:
    """True if deploying ``template`` on moto depends on the filled gap ``gap``."""
    if gap == "AWS::KMS::Key Tags":
        return any(
            r.get("Type") == "AWS::KMS::Key" and r.get("Properties", {}).get("Tags")
            for r in template.get("Resources", {}).values()
        )
    return uses_intrinsic(template, "Outputs" if gap == "change-set outputs" else gap)


def uses_intrinsic(value: Any, name: str) -> bool:
    if isinstance(value, dict):
        return name in value or any(uses_intrinsic(v, name) for v in value.values())
    if isinstance(value, list):
        return any(uses_intrinsic(v, name) for v in value)
    return False


@contextmanager
def moto_server(port: int) -> Iterator[str]:
    """moto's server on loopback only, for the duration of the block."""
    from moto.server import ThreadedMotoServer

    # The rehearsal's report lists what moto skipped; its per-request log and warnings are noise.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="moto")
    fill_moto_gaps()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://localhost:{port}"
    finally:
        server.stop()


def run_cli(args: Sequence[str], env: dict[str, str], cwd: Path) -> None:
    print("$ cdk " + " ".join(args), flush=True)
    started = time.monotonic()
    proc = subprocess.run(["cdk", *args], env=env, cwd=cwd, timeout=CLI_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"cdk {args[0]} failed with exit code {proc.returncode}")
    print(f"  ok ({time.monotonic() - started:.0f} s)", flush=True)


def synth_assembly(outdir: Path) -> dict[str, dict[str, Any]]:
    """Synthesize the example app (cdk-nag included) into ``outdir``; templates by stack name."""
    from app import build_app

    assembly = build_app(outdir=str(outdir)).synth()
    return {s.stack_name: dict(s.template) for s in assembly.stacks}


def with_dependencies(outdir: Path, stacks: Sequence[str]) -> list[str]:
    """``stacks`` and every stack they depend on (what ``cdk deploy`` deploys), from the manifest."""
    return read_assembly(outdir).dependencies(stacks)


def deployed_resources(endpoint: str, stack: str) -> tuple[str, set[str]]:
    import boto3

    cfn = boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    listed: set[str] = set()
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        listed.update(r["LogicalResourceId"] for r in page["StackResourceSummaries"])
    return status, listed


def rehearse(
    stacks: Sequence[str], *, endpoint: str | None = None, assembly: Path | None = None
) -> tuple[dict[str, str], list[Skipped], dict[str, dict[str, Any]]]:
    """Bootstrap and deploy ``stacks`` (all when empty) to moto: statuses, skipped resources, templates.

    ``endpoint``: a moto server already running (bootstrapped or not), e.g. the integration suite's,
    instead of a new one; ``assembly``: the example app already synthesized there, instead of a new synthesis.
    """
    with tempfile.TemporaryDirectory(prefix="buttress-deploy-local-") as tmp:
        outdir = assembly or Path(tmp) / "cdk.out"
        if assembly is None:
            print("synthesizing the example app", flush=True)
            templates = synth_assembly(outdir)
        else:
            templates = read_assembly(outdir).templates()
        unknown = sorted(set(stacks) - set(templates))
        if unknown:
            raise SystemExit(f"no such stack(s): {', '.join(unknown)}; the app has {', '.join(sorted(templates))}")
        with _server(endpoint) as url:
            env = fake_aws_env(url)
            cwd = Path(tmp)  # no cdk.json here: the CLI uses the assembly, never re-synthesizes
            common = ["--app", str(outdir), "--no-notices", "--no-color"]
            if not toolkit_deployed(url):
                run_cli(["bootstrap", *common, f"aws://{ACCOUNT}/{REGION}"], env, cwd)
            run_cli(["deploy", *common, "--require-approval", "never", *(stacks or ["--all"])], env, cwd)
            expected = with_dependencies(outdir, stacks or sorted(templates))
            statuses: dict[str, str] = {}
            skipped: list[Skipped] = []
            all_templates = {"CDKToolkit": _toolkit_template(url), **templates}
            for name in ["CDKToolkit", *expected]:
                try:
                    status, listed = deployed_resources(url, name)
                except Exception as error:  # moto failed on the stack while the CLI saw success
                    statuses[name] = f"NOT DEPLOYED ({type(error).__name__}: {error})"
                    continue
                statuses[name] = status
                skipped.extend(skipped_resources(name, all_templates[name], listed))
        return statuses, skipped, templates


@contextmanager
def _server(endpoint: str | None) -> Iterator[str]:
    """``endpoint`` as it is, or a new moto server for the block."""
    if endpoint is not None:
        yield endpoint
        return
    port = free_port()
    with moto_server(port) as url:
        print(f"moto server on 127.0.0.1:{port} (endpoint {url})", flush=True)
        yield url


def toolkit_deployed(endpoint: str) -> bool:
    """True once ``cdk bootstrap`` has deployed its stack to the moto server at ``endpoint``."""
    import boto3

    cfn = boto3.client(
        "cloudformation", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t"
    )
    return any(s["StackName"] == "CDKToolkit" for s in cfn.describe_stacks().get("Stacks", []))


def _toolkit_template(endpoint: str) -> dict[str, Any]:
    import boto3

    cfn = boto3.client(
        "cloudformation", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t"
    )
    body = cfn.get_template(StackName="CDKToolkit")["TemplateBody"]
    if isinstance(body, str):  # the bootstrap template is YAML with CloudFormation's short-form tags
        from cfnlint.decode.cfn_yaml import loads

        loaded: dict[str, Any] = loads(body)
        return loaded
    return dict(body)


def report(statuses: dict[str, str], skipped: Sequence[Skipped], templates: Mapping[str, Any] | None = None) -> str:
    lines = ["deployed to moto:"]
    lines += [f"  {name:<28} {status}" for name, status in statuses.items()]
    if skipped:
        lines.append("accepted by moto but NOT created (verify these only in a real account):")
        reasons: dict[str, int] = {}
        for stack in dict.fromkeys(s.stack for s in skipped):
            lines.append(f"  {stack}")
            rows = [s for s in skipped if s.stack == stack]
            width = max(len(s.logical_id) for s in rows)
            for s in rows:
                note = reasons.setdefault(s.reason, len(reasons) + 1)
                lines.append(f"    {s.logical_id:<{width}}  {s.type_}  [{note}]")
        lines += [f"  [{n}] {reason}" for reason, n in reasons.items()]
    else:
        lines.append("moto created every resource of the deployed stacks")
    for gap, why in MOTO_GAPS_FILLED.items():
        users = sorted(n for n, t in (templates or {}).items() if n in statuses and needs_gap_filled(gap, t))
        if users:
            lines.append(f"moto gap filled by the rehearsal: {gap} in {', '.join(users)}: {why}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy rehearsal against moto's server on loopback")
    parser.add_argument("stacks", nargs="*", help="stacks to deploy (default: all); dependencies come along")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    args = parser.parse_args(argv)
    statuses, skipped, templates = rehearse(args.stacks)
    print(report(statuses, skipped, templates))
    if args.json:
        args.json.write_text(
            json.dumps({"statuses": statuses, "skipped": [s.__dict__ for s in skipped]}, indent=1, sort_keys=True)
        )
    failed = {n: s for n, s in statuses.items() if not s.endswith("_COMPLETE") or "ROLLBACK" in s}
    if failed:
        print(f"failed stacks: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
