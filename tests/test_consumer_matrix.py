"""buttress in other people's apps: every construct, in every kind of environment, nag- and lint-clean.

The example app's stacks are all environment-agnostic and use this repository's feature flags. A
team's app differs: stacks with an explicit account and region, the flags its ``cdk init`` wrote,
or none at all. cdk-nag names a finding after the resolved resource (``arn:<AWS::Partition>:...``
in one app, ``arn:aws:ec2:eu-west-1:111122223333:...`` in another), so an acknowledgement that
matches in one may miss in the other. This matrix builds, for each configuration (environment x
feature flags), one App holding

- ``All``: every construct together, as one team would compose them, plus one fresh role per
  ``grant_*`` method of every construct (each grantee must stay nag-clean);
- one stack per construct alone (constructs that need a VPC get an imported one, no ``Network``),

synthesizes it once per test session under cdk-nag ``AwsSolutionsChecks`` and runs cfn-lint once
per template, for the stack's region. Tests of one configuration share an xdist group, so only one
worker synthesizes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.harness import REPO, cached_assembly

ACCOUNT = "111122223333"
#: Stack environment per name: None is environment-agnostic; the regions include one outside
#: us-east-1 and eu-west-1, where partition, region and AZ names all differ.
ENVIRONMENTS: dict[str, str | None] = {
    "agnostic": None,
    "us-east-1": "us-east-1",
    "eu-west-1": "eu-west-1",
    "ap-southeast-2": "ap-southeast-2",
}
#: The file in which the pinned CDK CLI keeps the flags ``cdk init`` writes into a new project's cdk.json.
CDK_INIT_FLAGS = REPO / "node_modules" / "aws-cdk" / "lib" / "init-templates" / ".recommended-feature-flags.json"
CONSTRUCT_STACKS = ("Network", "FanoutTopic", "AlbFargateService", "VpcCodeBuild", "BudgetKillSwitch")
STACKS = ("All", *CONSTRUCT_STACKS)
#: Role-name prefix of the grantees in ``All``.
GRANTEE_PREFIX = "Grantee"


def lookup_context() -> dict[str, list[str]]:
    """What a team's cdk.context.json holds after ``cdk synth`` looked up each region's AZs."""
    return {
        f"availability-zones:account={ACCOUNT}:region={region}": [f"{region}{zone}" for zone in "abc"]
        for region in ENVIRONMENTS.values()
        if region
    }


def cdk_init_flags() -> dict[str, Any]:
    flags: dict[str, Any] = json.loads(CDK_INIT_FLAGS.read_text())
    return flags


def flag_sets() -> dict[str, dict[str, Any]]:
    """Feature-flag sets by name; sets with the same flags are merged (one name, ``a=b``).

    ``cdk.json`` is this repository's; ``cdk-init`` what the pinned CLI's ``cdk init`` writes
    today; ``no-flags`` an app without a cdk.json context (every flag at its aws-cdk-lib default,
    as in an older project or a unit test's bare ``App()``).
    """
    from app import cdk_json_context

    named = {"cdk.json": cdk_json_context(), "cdk-init": cdk_init_flags(), "no-flags": {}}
    merged: dict[str, dict[str, Any]] = {}
    for name, flags in named.items():
        same = next((other for other, value in merged.items() if value == flags), None)
        if same is None:
            merged[name] = flags
        else:
            merged[f"{same}={name}"] = merged.pop(same)
    return merged


def configurations() -> list[tuple[str, str]]:
    """(environment name, flag-set name) of every App in the matrix."""
    return [(env, flags) for flags in flag_sets() for env in ENVIRONMENTS]


def config_id(env: str, flags: str) -> str:
    return f"{env}-{flags}"


@dataclass
class MatrixApp:
    """One synthesized configuration: templates, cdk-nag findings and error annotations per stack."""

    env: str
    flags: str
    region: str
    outdir: Path
    templates: dict[str, dict[str, Any]]
    #: stack -> ["<severity> <rule> <construct path>", ...] from the validation report: cdk-nag
    #: findings and (as ``Annotation::...``) every warning of aws-cdk-lib or buttress.
    findings: dict[str, list[str]]
    #: stack -> error annotations (aws-cdk-lib or buttress ``addError``).
    errors: dict[str, list[str]]
    #: construct -> grant method names exercised in ``All``.
    grants: dict[str, list[str]] = field(default_factory=dict)
    synth_error: str = ""


# --- the stacks -------------------------------------------------------------------------------


def _certificate(stack: Any) -> Any:
    """An ACM certificate of the stack's own account and region (tokens when agnostic)."""
    from aws_cdk import Stack
    from aws_cdk import aws_certificatemanager as acm

    arn = Stack.of(stack).format_arn(service="acm", resource="certificate", resource_name="matrix-0000")
    return acm.Certificate.from_certificate_arn(stack, "Certificate", arn)


def _imported_vpc(stack: Any) -> Any:
    """A VPC of the team's own (imported: no resources, so no findings that are not buttress's)."""
    from aws_cdk import Stack
    from aws_cdk import aws_ec2 as ec2

    azs = Stack.of(stack).availability_zones[:2]
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "TeamVpc",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block="10.80.0.0/16",
        availability_zones=azs,
        public_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        public_subnet_ipv4_cidr_blocks=["10.80.0.0/24", "10.80.1.0/24"],
        public_subnet_route_table_ids=["rtb-0aaaaaaaaaaaaaaa1", "rtb-0aaaaaaaaaaaaaaa2"],
        private_subnet_ids=["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
        private_subnet_ipv4_cidr_blocks=["10.80.16.0/20", "10.80.32.0/20"],
        private_subnet_route_table_ids=["rtb-0bbbbbbbbbbbbbbb1", "rtb-0bbbbbbbbbbbbbbb2"],
    )


BUILD_SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ['curl --fail "$API_URL/"']}}}


def _network(stack: Any) -> Any:
    import buttress

    return buttress.Network(stack, "Network", cidr="10.40.0.0/16", nat_gateways=1, interface_endpoints=["logs"])


def _fanout(stack: Any, vpc: Any = None) -> Any:
    import buttress

    topic = buttress.FanoutTopic(stack, "Orders", **({"vpc": vpc} if vpc is not None else {}))
    topic.add_queue("Billing", filter_policy={"event": ["order_placed"]})
    topic.add_queue("Audit")
    return topic


def _service(stack: Any, vpc: Any) -> Any:
    import buttress

    return buttress.AlbFargateService(
        stack, "Shop", vpc=vpc, image="public.ecr.aws/nginx/nginx:stable", certificate=_certificate(stack)
    )


def _build(stack: Any, vpc: Any) -> Any:
    import buttress

    return buttress.VpcCodeBuild(
        stack,
        "IntegrationTests",
        vpc=vpc,
        build_spec=BUILD_SPEC,
        environment_variables={"API_URL": "https://shop.example.com"},
        concurrent_build_limit=4,
    )


def _kill_switch(stack: Any) -> Any:
    import buttress

    return buttress.BudgetKillSwitch(
        stack, "KillSwitch", limit_usd=25, tag_key="Project", tag_value="Beta", operator_emails=["ops@example.com"]
    )


def _all_stack(stack: Any) -> dict[str, list[str]]:
    """Every construct in one stack, as a team composes them; every grant on a fresh role."""
    network = _network(stack)
    topic = _fanout(stack, network)
    service = _service(stack, network)
    build = _build(stack, network)
    service.allow_from(build, "integration tests to the shop")
    kill_switch = _kill_switch(stack)
    topic.grant_publish(service.task_role)
    return _grant_everything(stack, [network, topic, service, build, kill_switch])


def _grant_everything(stack: Any, constructs: list[Any]) -> dict[str, list[str]]:
    """Call every public ``grant_*`` of every construct, each on a fresh role of its own."""
    from aws_cdk import aws_iam as iam

    grants: dict[str, list[str]] = {}
    for construct in constructs:
        kind = type(construct).__name__
        methods = sorted(name for name in dir(type(construct)) if name.startswith("grant_"))
        for method in methods:
            role = iam.Role(stack, f"{GRANTEE_PREFIX}{kind}{method}", assumed_by=iam.AccountRootPrincipal())
            getattr(construct, method)(role)
        grants[kind] = methods
    return grants


ALONE: dict[str, Callable[[Any], Any]] = {
    "Network": _network,
    "FanoutTopic": _fanout,
    "AlbFargateService": lambda stack: _service(stack, _imported_vpc(stack)),
    "VpcCodeBuild": lambda stack: _build(stack, _imported_vpc(stack)),
    "BudgetKillSwitch": _kill_switch,
}


# --- synthesis, once per configuration and session -----------------------------------------------


def _read_findings(outdir: Path) -> dict[str, list[str]]:
    report = outdir / "validation-report.json"
    findings: dict[str, list[str]] = {}
    if not report.exists():
        return findings
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                path = construct["constructPath"]
                entry = f"{violation.get('severity', '?')} {violation['ruleName']} {path}"
                findings.setdefault(path.split("/")[0], []).append(entry)
    return findings


def _read_errors(outdir: Path, stacks: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for stack in stacks:
        metadata = outdir / f"{stack}.metadata.json"
        if not metadata.exists():
            continue
        for path, entries in json.loads(metadata.read_text()).items():
            errors.setdefault(stack, []).extend(
                f"{path}: {entry.get('data')}" for entry in entries if entry.get("type") == "aws:cdk:error"
            )
    return errors


@cache
def synthesize_config(env: str, flags: str) -> MatrixApp:
    """One configuration's App, synthesized once per process, or read from the test cache.

    A configuration takes several seconds to build and synthesize under cdk-nag: a warm run reads
    the assembly a previous session wrote (:func:`tests.harness.cached_assembly`).
    """
    extra = Path(__file__).read_bytes() + json.dumps([env, flag_sets()[flags], lookup_context()]).encode()

    def synthesize_into(outdir: Path) -> dict[str, Any]:
        grants, synth_error = _synthesize_into(env, flags, outdir)
        return {"grants": grants, "synth_error": synth_error}

    outdir, saved = cached_assembly("consumer-matrix", extra, synthesize_into, keep=4 * len(configurations()))
    return _matrix_app(env, flags, outdir, saved["grants"], saved["synth_error"])


def _matrix_app(env: str, flags: str, outdir: Path, grants: dict[str, list[str]], synth_error: str) -> MatrixApp:
    templates = {
        name: json.loads((outdir / f"{name}.template.json").read_text())
        for name in STACKS
        if (outdir / f"{name}.template.json").exists()
    }
    return MatrixApp(
        env=env,
        flags=flags,
        region=ENVIRONMENTS[env] or "us-east-1",
        outdir=outdir,
        templates=templates,
        findings=_read_findings(outdir),
        errors=_read_errors(outdir, list(STACKS)),
        grants=grants,
        synth_error=synth_error,
    )


def _synthesize_into(env: str, flags: str, outdir: Path) -> tuple[dict[str, list[str]], str]:
    """Build one configuration's App and synthesize it into ``outdir``: the grants made, the synth error."""
    from aws_cdk import App, Environment, Stack, Validations
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT

    region = ENVIRONMENTS[env]
    app = App(context={**CLI_DEFAULT_CONTEXT, **flag_sets()[flags], **lookup_context()}, outdir=str(outdir))
    stack_env = Environment(account=ACCOUNT, region=region) if region else None
    grants: dict[str, list[str]] = {}
    synth_error = ""
    try:
        grants = _all_stack(Stack(app, "All", env=stack_env))
        for name, build in ALONE.items():
            build(Stack(app, name, env=stack_env))
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        app.synth()
    except Exception as error:  # nag findings raise after writing the templates and the report
        synth_error = f"{type(error).__name__}: {error}"
    return grants, synth_error


_LINTED: dict[tuple[str, str, str], list[str]] = {}


def cfn_lint(env: str, flags: str, stack: str, cache: pytest.Cache | None = None) -> list[str]:
    """cfn-lint of one template, for the stack's region: once per template and session.

    Results are also kept in pytest's cache under the template's digest (with the region, the
    ignored rules and cfn-lint's version), so a warm run lints only the templates that changed:
    cfn-lint takes about a second per template, most of the matrix's cost.
    """
    key = (env, flags, stack)
    if key in _LINTED:
        return _LINTED[key]
    from cfnlint.api import ManualArgs, lint_file
    from cfnlint.version import __version__ as cfn_lint_version

    from tests.test_example_templates import _ignored_rules

    matrix = synthesize_config(env, flags)
    template = matrix.outdir / f"{stack}.template.json"
    ignored = _ignored_rules()
    digest = hashlib.sha256(
        json.dumps([template.read_text(), matrix.region, ignored, cfn_lint_version]).encode()
    ).hexdigest()
    cache_key = f"buttress/cfn-lint/{digest}"
    cached = cache.get(cache_key, None) if cache is not None else None
    if isinstance(cached, list):
        _LINTED[key] = [str(m) for m in cached]
        return _LINTED[key]
    config = ManualArgs(regions=[matrix.region], ignore_checks=ignored)
    _LINTED[key] = [str(m) for m in lint_file(template, config=config)]
    if cache is not None:
        cache.set(cache_key, _LINTED[key])
    return _LINTED[key]


def _params(with_stacks: bool) -> Iterator[Any]:
    for env, flags in configurations():
        group = pytest.mark.xdist_group(f"matrix-{config_id(env, flags)}")
        if with_stacks:
            for stack in STACKS:
                yield pytest.param(env, flags, stack, id=f"{config_id(env, flags)}-{stack}", marks=group)
        else:
            yield pytest.param(env, flags, id=config_id(env, flags), marks=group)


def _synthesized(env: str, flags: str, stack: str | None = None) -> MatrixApp:
    matrix = synthesize_config(env, flags)
    if stack is not None and stack not in matrix.templates:
        pytest.fail(f"{stack} was not synthesized: {matrix.synth_error or 'no template'}")
    if not matrix.templates:
        pytest.fail(f"nothing synthesized: {matrix.synth_error}")
    return matrix


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("env", "flags", "stack"), list(_params(with_stacks=True)))
def test_cdk_nag_clean(env: str, flags: str, stack: str) -> None:
    matrix = _synthesized(env, flags, stack)
    assert matrix.findings.get(stack, []) == []
    assert matrix.errors.get(stack, []) == []


@pytest.mark.parametrize(("env", "flags", "stack"), list(_params(with_stacks=True)))
def test_cfn_lint_clean(env: str, flags: str, stack: str, request: pytest.FixtureRequest) -> None:
    _synthesized(env, flags, stack)
    assert cfn_lint(env, flags, stack, getattr(request.config, "cache", None)) == []


@pytest.mark.parametrize(("env", "flags"), list(_params(with_stacks=False)))
def test_every_grant_leaves_its_grantee_nag_clean(env: str, flags: str) -> None:
    matrix = _synthesized(env, flags, "All")
    assert set(matrix.grants) == set(CONSTRUCT_STACKS)
    assert sum(len(methods) for methods in matrix.grants.values()) >= 4, matrix.grants
    on_grantees = [f for f in matrix.findings.get("All", []) if f.split(" ")[-1].startswith(f"All/{GRANTEE_PREFIX}")]
    assert on_grantees == []


@pytest.mark.parametrize(("env", "flags"), list(_params(with_stacks=False)))
def test_stacks_hold_their_environment(env: str, flags: str) -> None:
    """The matrix tests what it says: explicit-env ARNs name account and region, agnostic ones use pseudo parameters."""
    matrix = _synthesized(env, flags, "All")
    text = json.dumps(matrix.templates["All"])
    region = ENVIRONMENTS[env]
    if region:
        assert f":{region}:{ACCOUNT}:" in text
    else:
        assert ACCOUNT not in text and '{"Ref": "AWS::Region"}' in text


def _grantee_statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    """The statements of the policies attached to the grantee role whose logical id starts with ``role_prefix``."""
    roles = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role" and k.startswith(role_prefix)]
    assert len(roles) == 1, roles
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": roles[0]} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_grant_publish_gives_exactly_publish_and_the_two_key_actions() -> None:
    env, flags = configurations()[0]
    template = _synthesized(env, flags, "All").templates["All"]
    statements = _grantee_statements(template, f"{GRANTEE_PREFIX}FanoutTopicgrantpublish")
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    assert actions == ["kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"]


def test_matrix_covers_cdk_init_flags_and_three_regions() -> None:
    sets = flag_sets()
    assert any("cdk-init" in name for name in sets) and any("cdk.json" in name for name in sets)
    explicit = [region for region in ENVIRONMENTS.values() if region]
    assert len(explicit) >= 3 and set(explicit) - {"us-east-1", "eu-west-1"}


def summary() -> Mapping[str, int]:
    """Matrix size (for reports): configurations, stacks and templates."""
    configs = configurations()
    return {"configurations": len(configs), "stacks_per_app": len(STACKS), "templates": len(configs) * len(STACKS)}
