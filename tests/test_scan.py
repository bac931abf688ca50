"""`make scan`'s parsing and table code, on scanner output recorded from real runs (checkov 3.3.30, cfripper 1.22.1)."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.scan import Finding, import_stack_outputs, parse_cfripper, parse_checkov, stack_templates, table

FIXTURES = Path(__file__).parent / "fixtures" / "scan"


def _recorded() -> list[Finding]:
    checkov = json.loads((FIXTURES / "checkov-ButtressCi.json").read_text())
    cfripper = json.loads((FIXTURES / "cfripper-ButtressCi.json").read_text())
    return parse_checkov(checkov, {"ButtressCi.template.json": "ButtressCi"}) + parse_cfripper("ButtressCi", cfripper)


def test_checkov_failed_checks_become_findings_per_resource() -> None:
    findings = [f for f in _recorded() if f.scanner == "checkov"]
    assert len(findings) == 4
    assert {f.stack for f in findings} == {"ButtressCi"}
    assert Finding(
        "ButtressCi", "checkov", "CKV_AWS_18", "IntegrationTestsAccessLogs6DACB525",
        "Ensure the S3 bucket has access logging enabled",
    ) in findings  # fmt: skip


def test_cfripper_failures_become_one_finding_per_resource_id() -> None:
    findings = [f for f in _recorded() if f.scanner == "cfripper"]
    assert len(findings) == 5
    assert {f.rule for f in findings} >= {"GenericResourceWildcardPolicyRule"}
    assert all(f.resource != "-" for f in findings)


def test_cfripper_exception_is_a_finding() -> None:
    findings = parse_cfripper("S", {"failures": [], "exceptions": ["boom"]})
    assert findings == [Finding("S", "cfripper", "exception", "-", "boom")]


def test_table_has_a_section_per_stack_and_totals() -> None:
    text = table(["ButtressCi", "ButtressNetwork"], _recorded())
    lines = text.splitlines()
    assert lines[0] == "ButtressCi: checkov 4 failed, cfripper 5 findings"
    assert "ButtressNetwork: checkov 0 failed, cfripper 0 findings" in lines
    assert "| ButtressCi | 4 | 5 |" in lines
    assert "| ButtressNetwork | 0 | 0 |" in lines
    assert lines[-1] == "| **all** | **4** | **5** |"
    assert "| checkov | CKV_AWS_18 | IntegrationTestsAccessLogs6DACB525 |" in text


def test_cross_stack_references_become_imports_for_cfripper() -> None:
    ref = {"Fn::GetStackOutput": {"StackName": "ButtressNetwork", "OutputName": "VpcId"}}
    template = {"Resources": {"Sg": {"Properties": {"VpcId": ref, "Tags": [ref]}}}}
    converted = import_stack_outputs(template)
    assert converted["Resources"]["Sg"]["Properties"]["VpcId"] == {"Fn::ImportValue": "ButtressNetwork:VpcId"}
    assert converted["Resources"]["Sg"]["Properties"]["Tags"] == [{"Fn::ImportValue": "ButtressNetwork:VpcId"}]


def test_stack_templates_reads_the_manifest(tmp_path: Path) -> None:
    manifest = {
        "artifacts": {
            "B": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "B.template.json"}},
            "Tree": {"type": "cdk:tree"},
            "A": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "A.template.json"}},
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert stack_templates(tmp_path) == {"A": tmp_path / "A.template.json", "B": tmp_path / "B.template.json"}
