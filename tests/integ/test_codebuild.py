"""VpcCodeBuild: a build starts, runs inside the VPC, reaches a private resource, and reports."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integ.target import Target

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow]  # the CDK CLI and moto's server

#: Provisioning a VPC build (ENI attachment) and running it.
BUILD_TIMEOUT_S = 900


@pytest.fixture(scope="module")
def build(target: Target) -> dict[str, Any]:
    """Start one build and wait for it to finish (requested by each test after its own ``require``)."""
    codebuild = target.client("codebuild")
    build_id = codebuild.start_build(projectName=target.outputs("codebuild")["ProjectName"])["build"]["id"]
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while time.monotonic() < deadline:
        found: dict[str, Any] = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if found["buildComplete"]:
            return found
        time.sleep(15)
    pytest.fail(f"build {build_id} did not finish in {BUILD_TIMEOUT_S} s")


def test_build_runs_inside_the_vpc(target: Target, request: pytest.FixtureRequest) -> None:
    target.require("codebuild.build_in_vpc")
    build = request.getfixturevalue("build")
    assert build["buildStatus"] == "SUCCEEDED", build.get("phases")
    assert build["vpcConfig"]["vpcId"] == target.outputs("codebuild")["VpcId"]
    assert build.get("networkInterface", {}).get("networkInterfaceId")


def test_build_reaches_sts_through_the_endpoint(target: Target, request: pytest.FixtureRequest) -> None:
    """The build spec fails unless STS resolves to a private address and answers (see apps.CODEBUILD_SPEC)."""
    target.require("codebuild.private_resource")
    build = request.getfixturevalue("build")
    assert build["buildStatus"] == "SUCCEEDED", build.get("phases")


def test_report_group_receives_the_report(target: Target, request: pytest.FixtureRequest) -> None:
    target.require("codebuild.report")
    request.getfixturevalue("build")
    codebuild = target.client("codebuild")
    arns = codebuild.list_reports_for_report_group(reportGroupArn=target.outputs("codebuild")["ReportGroupArn"])
    reports = codebuild.batch_get_reports(reportArns=arns["reports"])["reports"]
    assert any(r["status"] == "SUCCEEDED" and r["testSummary"]["total"] == 1 for r in reports), reports
