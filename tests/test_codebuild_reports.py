"""VpcCodeBuild test and coverage reports: report groups the construct creates, and exactly those granted."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from buttress.rules.codebuild_batch import check_reports
from tests.harness import new_stack

SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ["pytest --junitxml=reports/unit.xml"]}}}
SPEC_WITH_ARTIFACTS: dict[str, Any] = {**SPEC, "artifacts": {"files": ["reports/**/*"]}}
UNIT = {"files": ["unit.xml"], "file-format": "JUNITXML", "base-directory": "reports"}
COVERAGE = {"files": ["coverage.xml"], "file-format": "COBERTURAXML", "base-directory": "reports"}
_ids = itertools.count()


# --- rules -----------------------------------------------------------------------------------


def test_report_types_follow_the_file_format() -> None:
    checked = check_reports({"unit": UNIT, "coverage": COVERAGE}, spec=SPEC)
    assert [(r.name, r.type) for r in checked] == [("unit", "TEST"), ("coverage", "CODE_COVERAGE")]
    assert check_reports(None, spec=SPEC) == ()
    assert check_reports(None, spec="buildspec.yml") == ()


@pytest.mark.parametrize(
    ("reports", "spec", "message"),
    [
        ({"unit": UNIT}, "buildspec.yml", r"reports=\['unit'\] is invalid: only with a build spec mapping"),
        (None, {**SPEC, "reports": {"x": UNIT}}, r"build_spec='reports' is invalid: no 'reports' section"),
        ({}, SPEC, r"reports=\{\} is invalid: at least one report"),
        ({"unit tests": UNIT}, SPEC, r"reports='unit tests' is invalid: report names"),
        ({"unit": {**UNIT, "file-format": "XUNIT"}}, SPEC, r"\['file-format'\]='XUNIT' is invalid: one of JUNITXML"),
        ({"unit": {**UNIT, "files": "unit.xml"}}, SPEC, r"\['files'\]='unit.xml' is invalid: a list of strings"),
        ({"unit": {**UNIT, "files": []}}, SPEC, r"\['files'\]=\[\] is invalid: at least one file pattern"),
        ({"unit": {**UNIT, "discard-paths": True}}, SPEC, r"\['discard-paths'\]=True is invalid: 'yes' or 'no'"),
        ({"unit": {**UNIT, "path": "x"}}, SPEC, r"reports\['unit'\]=\['path'\] is invalid: report keys"),
        (["unit"], SPEC, r"reports=\['unit'\] is invalid: a mapping"),
    ],
)
def test_bad_reports(reports: Any, spec: Any, message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        check_reports(reports, spec=spec)


# --- the construct ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported() -> tuple[Stack, VpcCodeBuild, Mapping[str, Any]]:
    stack = new_stack("Reports")
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=2,
        artifacts=True,
        reports={"unit": UNIT, "coverage": COVERAGE},
    )
    return stack, build, Template.from_stack(stack).to_json()


def _id(stack: Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


def test_report_groups_are_exported_encrypted_to_the_project_bucket(exported: Any) -> None:
    stack, build, template = exported
    groups = {name: template["Resources"][_id(stack, group)] for name, group in build.report_groups.items()}
    assert [g["Properties"]["Type"] for g in groups.values()] == ["TEST", "CODE_COVERAGE"]
    unit = groups["unit"]
    assert unit["DeletionPolicy"] == "Retain"
    assert unit["Properties"]["ExportConfig"] == {
        "ExportConfigType": "S3",
        "S3Destination": {
            "Bucket": {"Ref": _id(stack, build.bucket)},
            "EncryptionDisabled": False,
            "EncryptionKey": {"Fn::GetAtt": [_id(stack, build.encryption_key), "Arn"]},
            "Packaging": "ZIP",
            "Path": "reports/unit",
        },
    }
    bucket = template["Resources"][_id(stack, build.bucket)]["Properties"]
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireReports"] == {
        "Id": "ExpireReports",
        "Prefix": "reports/",
        "ExpirationInDays": 90,
        "Status": "Enabled",
    }


def test_the_build_spec_names_the_groups_by_arn(exported: Any) -> None:
    stack, build, template = exported
    project = template["Resources"][_id(stack, build.project)]["Properties"]
    parts = project["Source"]["BuildSpec"]["Fn::Join"][1]
    assert {"Fn::GetAtt": [_id(stack, build.report_groups["unit"]), "Arn"]} in parts
    assert {"Fn::GetAtt": [_id(stack, build.report_groups["coverage"]), "Arn"]} in parts


def test_the_role_may_write_exactly_the_report_groups(exported: Any) -> None:
    stack, build, template = exported
    statements = [
        statement
        for policy in template["Resources"].values()
        if policy["Type"] == "AWS::IAM::Policy"
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action.startswith("codebuild:") for action in statement["Action"])
    ]
    assert statements == [
        {
            "Action": ["codebuild:BatchPutTestCases", "codebuild:CreateReport", "codebuild:UpdateReport"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_id(stack, build.report_groups["unit"]), "Arn"]},
        },
        {
            "Action": ["codebuild:BatchPutCodeCoverages", "codebuild:CreateReport", "codebuild:UpdateReport"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_id(stack, build.report_groups["coverage"]), "Arn"]},
        },
    ]
    assert "report-group" not in json.dumps(template)


def test_without_artifacts_reports_stay_in_codebuild() -> None:
    stack = new_stack("NoExport")
    build = VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, reports={"unit": UNIT}
    )
    group = Template.from_stack(stack).to_json()["Resources"][_id(stack, build.report_groups["unit"])]
    assert group["Properties"]["ExportConfig"] == {"ExportConfigType": "NO_EXPORT"}
    assert build.bucket is None


@pytest.fixture(scope="module")
def errors_stack() -> tuple[Stack, Network]:
    stack = new_stack("ReportErrors")
    return stack, Network(stack, "Net")


def test_report_errors_name_the_construct(errors_stack: Any) -> None:
    stack, network = errors_stack
    with pytest.raises(ButtressError, match=r"^ReportErrors/Build0: build_spec='reports' is invalid: no 'reports'"):
        VpcCodeBuild(
            stack, "Build0", vpc=network, build_spec={**SPEC, "reports": {"x": UNIT}}, concurrent_build_limit=2
        )
    source = codebuild.Source.s3(bucket=s3.Bucket.from_bucket_name(stack, "Src", "src"), path="app.zip")
    with pytest.raises(ButtressError, match=r"^ReportErrors/Build1: reports=\['unit'\] is invalid: only with a build"):
        VpcCodeBuild(stack, "Build1", vpc=network, source=source, concurrent_build_limit=2, reports={"unit": UNIT})


# --- cdk-nag, with the new IAM (batch role, report groups, connection) ------------------------


@pytest.mark.parametrize("env", [None, ("111122223333", "eu-west-1")], ids=["env-agnostic", "explicit-env"])
def test_batch_reports_and_connection_are_nag_clean(env: tuple[str, str] | None) -> None:
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "S", env=Environment(account=env[0], region=env[1]) if env else None)
    source = codebuild.Source.git_hub(
        owner="acme",
        repo="app",
        webhook_filters=[codebuild.FilterGroup.in_event_of(codebuild.EventAction.PUSH).and_branch_is("main")],
        webhook_triggers_batch_build=True,
    )
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        source=source,
        connection_arn="arn:aws:codeconnections:eu-west-1:111122223333:connection/0a1b2c3d-0000-1111-2222-333344445555",
        build_spec={
            **SPEC_WITH_ARTIFACTS,
            "batch": {"build-matrix": {"dynamic": {"env": {"variables": {"SUITE": ["api", "ui"]}}}}},
        },
        concurrent_build_limit=2,
        batch=True,
        artifacts=True,
        reports={"unit": UNIT, "coverage": COVERAGE},
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged finding
