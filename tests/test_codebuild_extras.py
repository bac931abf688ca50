"""VpcCodeBuild: the failed-builds alarm, queued timeout, auto-retry limit, secondary sources and artifacts."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from buttress.rules.codebuild_sources import check_secondary_artifacts, check_secondary_sources
from tests.harness import new_stack

SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ["make"]}}}
SPEC_WITH_SECONDARY: dict[str, Any] = {
    **SPEC,
    "artifacts": {"files": ["dist/*"], "secondary-artifacts": {"docs": {"files": ["site/**/*"]}}},
}
_ids = itertools.count()


def _id(stack: Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


@pytest.fixture(scope="module")
def full() -> tuple[Stack, VpcCodeBuild, Mapping[str, Any]]:
    stack = new_stack("Extras")
    topic = sns.Topic(stack, "Ops")
    repo = codecommit.Repository.from_repository_name(stack, "Lib", "lib")
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC_WITH_SECONDARY,
        concurrent_build_limit=2,
        artifacts=True,
        secondary_sources=[codebuild.Source.code_commit(repository=repo, identifier="lib")],
        secondary_artifacts=["docs"],
        queued_timeout=Duration.hours(2),
        auto_retry_limit=2,
        alarm_action=cloudwatch_actions.SnsAction(topic),
    )
    return stack, build, Template.from_stack(stack).to_json()


def test_failed_builds_alarm_notifies_the_action(full: Any) -> None:
    stack, build, template = full
    alarm = template["Resources"][_id(stack, build.failed_builds_alarm)]["Properties"]
    assert alarm["MetricName"] == "FailedBuilds"
    assert alarm["Dimensions"] == [{"Name": "ProjectName", "Value": {"Ref": _id(stack, build.project)}}]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["Period"]) == (1, 1, 300)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    (topic_id,) = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::SNS::Topic"]
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_queue_retries_secondary_source_and_artifacts(full: Any) -> None:
    stack, build, template = full
    project = template["Resources"][_id(stack, build.project)]["Properties"]
    assert (project["QueuedTimeoutInMinutes"], project["AutoRetryLimit"]) == (120, 2)
    ((secondary,),) = [project["SecondarySources"]]
    assert (secondary["Type"], secondary["SourceIdentifier"]) == ("CODECOMMIT", "lib")
    (artifact,) = project["SecondaryArtifacts"]
    assert artifact["ArtifactIdentifier"] == "docs"
    assert (artifact["Type"], artifact["Name"], artifact["Path"], artifact["Packaging"]) == (
        "S3",
        "docs",
        "artifacts",
        "ZIP",
    )
    assert artifact["Location"] == {"Ref": _id(stack, build.bucket)}
    assert "EncryptionDisabled" not in artifact  # encrypted with the project's EncryptionKey


def test_without_an_action_the_alarm_still_exists() -> None:
    stack = new_stack("NoAction")
    build = VpcCodeBuild(stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2)
    alarm = Template.from_stack(stack).to_json()["Resources"][_id(stack, build.failed_builds_alarm)]
    assert "AlarmActions" not in alarm["Properties"]


# --- rules -----------------------------------------------------------------------------------


def test_secondary_source_rules() -> None:
    assert check_secondary_sources([("S3", "assets", False), ("GITHUB", "lib", False)]) == ("S3", "GITHUB")
    with pytest.raises(ButtressError, match=r"secondary_sources\[0\].identifier=None is invalid: letters"):
        check_secondary_sources([("S3", None, False)])
    with pytest.raises(ButtressError, match=r"secondary_sources\[1\].identifier='a' is invalid: an identifier no"):
        check_secondary_sources([("S3", "a", False), ("S3", "a", False)])
    with pytest.raises(ButtressError, match=r"secondary_sources\[0\]='NO_SOURCE' is invalid"):
        check_secondary_sources([("NO_SOURCE", "a", False)])
    with pytest.raises(ButtressError, match=r"secondary_sources\[0\].webhook=True is invalid: no webhook"):
        check_secondary_sources([("GITHUB", "a", True)])


def test_secondary_artifact_rules() -> None:
    assert check_secondary_artifacts(["docs"], spec=SPEC_WITH_SECONDARY, artifacts=True) == ("docs",)
    assert check_secondary_artifacts(["docs"], spec="buildspec.yml", artifacts=True) == ("docs",)
    with pytest.raises(ButtressError, match=r"secondary_artifacts=\['docs'\] is invalid: only with artifacts=True"):
        check_secondary_artifacts(["docs"], spec=SPEC, artifacts=False)
    with pytest.raises(ButtressError, match=r"secondary_artifacts=\['site'\] is invalid: the identifiers .*\['docs'\]"):
        check_secondary_artifacts(["site"], spec=SPEC_WITH_SECONDARY, artifacts=True)
    with pytest.raises(ButtressError, match=r"secondary_artifacts=\[\] is invalid: the identifiers .*\['docs'\]"):
        check_secondary_artifacts([], spec=SPEC_WITH_SECONDARY, artifacts=True)
    with pytest.raises(ButtressError, match=r"secondary_artifacts='docs' is invalid: a list of strings"):
        check_secondary_artifacts("docs", spec=SPEC_WITH_SECONDARY, artifacts=True)


# --- errors through the construct ------------------------------------------------------------


@pytest.fixture(scope="module")
def errors_stack() -> tuple[Stack, Network]:
    stack = new_stack("ExtraErrors")
    return stack, Network(stack, "Net")


def build_in(stack: tuple[Stack, Network], **props: Any) -> VpcCodeBuild:
    props.setdefault("build_spec", SPEC)
    props.setdefault("concurrent_build_limit", 2)
    return VpcCodeBuild(stack[0], f"Build{next(_ids)}", vpc=stack[1], **props)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"queued_timeout": Duration.minutes(2)},
            r"queued_timeout='2 minutes' is invalid: whole minutes from 5 to 480",
        ),
        ({"queued_timeout": Duration.hours(9)}, r"queued_timeout='9 hours' is invalid: .*\(8 hours\)"),
        ({"queued_timeout": 60}, r"queued_timeout=60 is invalid: a Duration"),
        ({"auto_retry_limit": 11}, r"auto_retry_limit=11 is invalid"),
        ({"auto_retry_limit": "1"}, r"auto_retry_limit='1' is invalid: a whole number \(int\) from 0 to 10, not str"),
        (
            {"alarm_action": "arn:aws:sns:eu-west-1:1:ops"},
            r"alarm_action='arn:aws:sns:.*' is invalid: a cloudwatch.IAlarmAction",
        ),
        ({"secondary_sources": "lib"}, r"secondary_sources='lib' is invalid: a list of codebuild.ISource"),
        ({"secondary_artifacts": ["docs"]}, r"secondary_artifacts=\['docs'\] is invalid: only with artifacts=True"),
        (
            {"secondary_sources": [codebuild.Source.git_hub(owner="acme", repo="lib", identifier="lib", webhook=True)]},
            r"secondary_sources\[0\].webhook=True is invalid: no webhook on a secondary source",
        ),
        (
            {"secondary_sources": [codebuild.Source.git_hub(owner="acme", repo="lib")]},
            r"secondary_sources\[0\].identifier=None is invalid",
        ),
    ],
)
def test_bad_props_name_the_construct(errors_stack: Any, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=rf"^ExtraErrors/Build\d+: {message}"):
        build_in(errors_stack, **props)


def test_a_github_secondary_source_without_webhook_is_fine(errors_stack: Any) -> None:
    build_in(errors_stack, secondary_sources=[codebuild.Source.git_hub(owner="acme", repo="lib", identifier="lib")])


def test_isolated_builds_check_the_secondary_sources_too(errors_stack: Any) -> None:
    stack, _ = errors_stack
    github = codebuild.Source.git_hub(owner="acme", repo="lib", identifier="lib")
    with pytest.raises(ButtressError, match=r"subnet_type='PRIVATE_ISOLATED' is invalid: the GITHUB secondary source"):
        build_in(errors_stack, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, secondary_sources=[github])
    bucket = s3.Bucket.from_bucket_name(stack, "Assets", "assets")
    build_in(
        errors_stack,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        secondary_sources=[codebuild.Source.s3(bucket=bucket, path="a.zip", identifier="assets")],
    )
