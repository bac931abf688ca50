"""VpcCodeBuild and Network in an app without feature flags: what they need, they set themselves."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from buttress import Network, VpcCodeBuild
from tests.codebuild.common import SPEC_WITH_ARTIFACTS


def _bare_stack(name: str) -> Stack:
    # No cdk.json context: the feature flags a consumer's app may not have.
    return Stack(App(), name)


def test_artifacts_and_s3_cache_synthesize_without_the_access_logs_policy_flag() -> None:
    # Without @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy aws-cdk-lib grants log delivery by ACL,
    # which a bucket-owner-enforced bucket refuses ("objectOwnership must be set to ObjectWriter").
    stack = _bare_stack("NoFlagsArtifacts")
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC_WITH_ARTIFACTS,
        artifacts=True,
        cache="s3",
        concurrent_build_limit=2,
    )
    template = Template.from_stack(stack)
    assert build.access_logs_bucket is not None
    logs_id = stack.get_logical_id(build.access_logs_bucket.node.default_child)  # type: ignore[arg-type]
    logs_bucket: Any = template.find_resources("AWS::S3::Bucket")[logs_id]
    assert logs_bucket["Properties"]["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "AccessControl" not in logs_bucket["Properties"]
    policies = [
        p
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logs_id}
    ]
    assert len(policies) == 1
    principals = [s.get("Principal") for s in policies[0]["Properties"]["PolicyDocument"]["Statement"]]
    assert {"Service": "logging.s3.amazonaws.com"} in principals


def test_default_props_network_and_build_pass_every_pack_without_feature_flags() -> None:
    """A consumer's app: explicit env, no cdk.json flags, default props; every compliance plugin runs at synth."""
    from aws_cdk import Environment, Validations

    from buttress.compliance import plugins

    app = App()
    stack = Stack(app, "Consumer", env=Environment(account="111122223333", region="eu-west-1"))
    network = Network(stack, "Net")
    VpcCodeBuild(stack, "Build", vpc=network, build_spec=SPEC_WITH_ARTIFACTS, artifacts=True)
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding of any pack


def test_one_alarm_convention_every_alarm_notifies_its_action() -> None:
    """Network and VpcCodeBuild: an alarm that would notify nobody is not created; every alarm has its action."""
    from aws_cdk import aws_cloudwatch_actions as actions
    from aws_cdk import aws_sns as sns

    stack = _bare_stack("Alarms")
    network = Network(stack, "Net")
    quiet = VpcCodeBuild(stack, "Quiet", vpc=network, build_spec=SPEC_WITH_ARTIFACTS, concurrent_build_limit=2)
    assert quiet.failed_builds_alarm is None
    topic = sns.Topic(stack, "Ops")
    VpcCodeBuild(
        stack,
        "Loud",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=2,
        alarm_action=actions.SnsAction(topic),
    )
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 1  # Loud's; none of Quiet's, none of the Network's
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": stack.get_logical_id(topic.node.default_child)}]  # type: ignore[arg-type]
