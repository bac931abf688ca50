"""A team's app with every construct at its defaults passes every compliance plugin (issue 22).

The consumer matrix (``tests/test_consumer_matrix.py``) composes the constructs with the props a
team would choose, under AwsSolutions. This app is the other end: an explicit account and region
(the availability-zone context a ``cdk synth`` lookup writes to ``cdk.context.json`` given, as a
team's app has it), the feature flags ``cdk init`` writes, all five constructs with only their
required props (and what a construct refuses to guess: the service's image and certificate,
the build's buildspec), and ``buttress.compliance.plugins``:
the five cdk-nag packs and the Control Tower rules (cfn-guard). Secure defaults mean no finding.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests import test_consumer_matrix as matrix
from tests.harness import cached_assembly
from tests.test_consumer_matrix import (
    ACCOUNT,
    BUILD_SPEC,
    _read_errors,
    _read_findings,
    flag_sets,
    lookup_context,
)

REGION = "eu-west-1"
STACK = "Defaults"
#: The two ends of what a team's cdk.json holds: the flags ``cdk init`` writes today, and none at all
#: (an older project: ``@aws-cdk/aws-ec2:restrictDefaultSecurityGroup`` unset, so the VPC's default
#: security group keeps AWS's rules unless ``Network`` closes it itself).
FLAG_SETS = ("cdk-init", "no-flags")


def _flags(name: str) -> dict[str, object]:
    """The flag set of :func:`tests.test_consumer_matrix.flag_sets` whose (possibly merged) name includes ``name``."""
    return next(flags for merged, flags in flag_sets().items() if name in merged.split("="))


@dataclass(frozen=True)
class DefaultsApp:
    outdir: Path
    #: "<severity> <rule> <construct path>" per finding, from the validation report.
    findings: list[str]
    errors: list[str]
    synth_error: str


def _synthesize_into(flags: str, outdir: Path) -> dict[str, str]:
    """Build the defaults app with one flag set and synthesize it into ``outdir``: the synth error, if any."""
    from aws_cdk import App, Environment, Stack, Validations
    from aws_cdk import aws_certificatemanager as acm

    import buttress
    from app import CLI_DEFAULT_CONTEXT
    from buttress import compliance

    context = {**CLI_DEFAULT_CONTEXT, **_flags(flags), **lookup_context()}
    app = App(context=context, outdir=str(outdir))
    stack = Stack(app, STACK, env=Environment(account=ACCOUNT, region=REGION))
    synth_error = ""
    try:
        network = buttress.Network(stack, "Network")
        topic = buttress.FanoutTopic(stack, "Orders")
        topic.add_queue("Audit")
        # A literal ARN, as a team passes its certificate: the Control Tower rule CT.ELASTICLOADBALANCING.PR.2
        # (elbv2_acm_certificate_required_check) cannot read an ARN built with Fn::Join (format_arn without
        # the partition-literals flag) and reports it.
        certificate = acm.Certificate.from_certificate_arn(
            stack, "Certificate", f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/defaults-0000"
        )
        buttress.AlbFargateService(
            stack, "Shop", vpc=network, image="public.ecr.aws/nginx/nginx:stable", certificate=certificate
        )
        buttress.VpcCodeBuild(stack, "Build", vpc=network, build_spec=BUILD_SPEC)
        buttress.BudgetKillSwitch(
            stack, "KillSwitch", limit_usd=25, tag_key="Project", tag_value="Beta", operator_emails=["ops@example.com"]
        )
        Validations.of(app).add_plugins(*compliance.plugins(app))
        app.synth()
    except Exception as error:  # findings raise after the templates and the report are written
        synth_error = f"{type(error).__name__}: {error}"
    return {"synth_error": synth_error}


@cache
def synthesize_defaults(flags: str) -> DefaultsApp:
    """The defaults app with one flag set, synthesized once per process or read from the test cache
    (:func:`tests.harness.cached_assembly`: all five constructs under every compliance plugin take
    tens of seconds)."""
    extra = b"".join(Path(m.__file__ or "").read_bytes() for m in (sys.modules[__name__], matrix))
    outdir, saved = cached_assembly(
        "consumer-defaults",
        extra + json.dumps([flags, _flags(flags), lookup_context()]).encode(),
        lambda out: _synthesize_into(flags, out),
    )
    return DefaultsApp(
        outdir=outdir,
        findings=_read_findings(outdir).get(STACK, []),
        errors=_read_errors(outdir, [STACK]).get(STACK, []),
        synth_error=str(saved["synth_error"]),
    )


# One xdist group per flag set: the tests of one App run on one worker, which synthesizes it once.
@pytest.fixture(
    scope="module",
    params=[pytest.param(name, marks=pytest.mark.xdist_group(f"consumer-defaults-{name}")) for name in FLAG_SETS],
)
def defaults_app(request: pytest.FixtureRequest) -> DefaultsApp:
    result = synthesize_defaults(request.param)
    if not (result.outdir / f"{STACK}.template.json").exists():
        pytest.fail(f"nothing synthesized: {result.synth_error}")
    return result


def _compliance(findings: list[str]) -> list[str]:
    """The findings of the compliance plugins (cdk-nag packs, cfn-guard), not warning annotations."""
    return [f for f in findings if not f.split(" ")[1].startswith("Annotation::")]


def test_default_props_app_has_no_compliance_finding(defaults_app: DefaultsApp) -> None:
    found = _compliance(defaults_app.findings)
    assert found == [], "\n".join(found)
    assert defaults_app.errors == [], "\n".join(defaults_app.errors)


def test_default_props_app_warns_only_what_the_docs_say(defaults_app: DefaultsApp) -> None:
    """At most the one warning: no ``concurrent_build_limit``, so what the subnets hold (docs/codebuild.md).

    The validation report lists warning annotations with the ``cdk init`` flags, not without any flags.
    """
    warnings = {f for f in defaults_app.findings if f not in _compliance(defaults_app.findings)}
    assert warnings <= {f"warning Annotation::buttress:VpcCodeBuild:subnetCapacity {STACK}/Build"}


def test_default_props_app_synthesizes(defaults_app: DefaultsApp) -> None:
    assert defaults_app.synth_error == ""
