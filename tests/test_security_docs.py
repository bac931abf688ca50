"""docs/security.md is what scripts/security_docs.py generates from the example app and the recorded scan."""

from __future__ import annotations

from scripts import security_docs
from tests.harness import SynthResult

REGENERATE = "run `make security-docs` (after `make scan` if the templates changed) and commit docs/security.md"


def test_security_md_is_current(synth: SynthResult) -> None:
    expected = security_docs.render(synth.app, synth.templates, security_docs.load_scan())
    assert security_docs.SECURITY_MD.read_text() == expected, REGENERATE


def test_every_wildcard_permission_has_a_reason(synth: SynthResult) -> None:
    rows = security_docs.wildcard_permissions(synth.app, synth.templates)
    assert rows, "the example app has IAM permissions on * (CodeBuild ENIs, kill-switch discovery)"
    assert not [row for row in rows if "no IAM5 acknowledgement" in row]


def test_every_remaining_scanner_finding_is_explained() -> None:
    unexplained = {f["rule"] for f in security_docs.load_scan()} - set(security_docs.SCANNER_REASONS)
    assert not unexplained, f"add why these do not apply to SCANNER_REASONS: {sorted(unexplained)}"


def test_acknowledgement_ids_name_their_pack() -> None:
    assert security_docs.pack_of("Annotation::AwsSolutions-S1") == ("AwsSolutions", "AwsSolutions-S1")
    assert security_docs.pack_of("NIST.800.53.R5-LambdaDLQ") == ("NIST.800.53.R5", "NIST.800.53.R5-LambdaDLQ")
    assert security_docs.pack_of("cdk-validator-cfnguard::sqs_dlq_check") == (
        "Control Tower (cfn-guard)",
        "sqs_dlq_check",
    )
