"""The compliance plugins and the options that close findings: every pack clean in any environment."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from buttress import BudgetKillSwitch, FanoutTopic, Network
from buttress.compliance import control_tower_rule_types, plugins, rules_not_applicable
from buttress.errors import ButtressError
from buttress.parts import nag
from buttress.parts.keys import limit_grants_to_aws_services
from buttress.parts.log_buckets import log_delivery_bucket


def _app() -> App:
    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    return App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})


def _one(template: Template, type_: str) -> dict[str, Any]:
    resources = template.find_resources(type_)
    assert len(resources) == 1, resources
    return dict(next(iter(resources.values())))


@pytest.mark.parametrize(
    "env", [None, Environment(account="111122223333", region="eu-west-1")], ids=["env-agnostic", "explicit-env"]
)
def test_every_pack_and_control_tower_clean_with_options_in_any_environment(env: Environment | None) -> None:
    """Acknowledgement ids carry no resource name, so they match with an explicit env too; options stay clean."""
    app = _app()
    stack = Stack(app, "S", env=env)
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    limit_grants_to_aws_services(key)
    Network(stack, "Net", nat_gateways=1, log_key=key)
    topic = FanoutTopic(stack, "Topic")
    topic.add_queue("Q")
    BudgetKillSwitch(
        stack,
        "Switch",
        limit_usd=5,
        tag_key="Project",
        tag_value="Beta",
        operator_emails=["ops@example.com"],
        table_key=key,
        log_key=key,
    )
    nag.acknowledge_rule(
        topic, "", "test stack: alarms without action", guard=["cloudwatch_alarm_action_check"]
    )  # fmt: skip
    nag.acknowledge_rule(topic, "CloudWatchAlarmAction", "test stack: alarms without action")
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding of any pack


def test_log_key_and_table_key_encrypt_with_the_customer_managed_key() -> None:
    app = _app()
    stack = Stack(app, "S")
    key = kms.Key(stack, "Key")
    Network(stack, "Net", nat_gateways=1, log_key=key)
    BudgetKillSwitch(
        stack, "Switch", limit_usd=5, tag_key="P", tag_value="B", operator_emails=["o@example.com"], table_key=key
    )
    template = Template.from_stack(stack)
    key_id = stack.resolve(key.key_arn)
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": key_id})
    table = _one(template, "AWS::DynamoDB::Table")["Properties"]
    assert table["SSESpecification"] == {"KMSMasterKeyId": key_id, "SSEEnabled": True, "SSEType": "KMS"}
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [Match.object_like({"Sid": "AllowCloudWatchLogs", "Action": Match.array_with(["kms:Decrypt*"])})]
                )
            }
        },
    )


def test_a_log_key_that_is_not_a_key_is_refused() -> None:
    stack = Stack(_app(), "S")
    with pytest.raises(ButtressError, match=r"^S/Net: log_key='alias/x' is invalid: a kms.IKey"):
        Network(stack, "Net", log_key="alias/x")  # type: ignore[arg-type]


def test_log_delivery_buckets_expire_logs_after_the_period_given() -> None:
    from aws_cdk import RemovalPolicy

    stack = Stack(_app(), "S")
    log_delivery_bucket(stack, "Default", removal_policy=RemovalPolicy.DESTROY, receives="logs")
    log_delivery_bucket(
        stack, "Short", removal_policy=RemovalPolicy.DESTROY, receives="logs", expiration=Duration.days(30)
    )
    rules = {
        logical_id.split("Bucket")[0]: bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        for logical_id, bucket in Template.from_stack(stack).find_resources("AWS::S3::Bucket").items()
    }
    expirations = sorted(rule[0]["ExpirationInDays"] for rule in rules.values())
    assert expirations == [30, 365]
    assert all(rule[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7} for rule in rules.values())


def test_acknowledge_rule_names_every_pack_that_has_the_rule_and_refuses_unknown_ones() -> None:
    assert nag.rule_ids("LambdaDLQ") == ["NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ", "Serverless-LambdaDLQ"]
    assert nag.rule_ids("", guard=["sqs_dlq_check"]) == ["cdk-validator-cfnguard::sqs_dlq_check"]
    with pytest.raises(ValueError, match="unknown cdk-nag rule 'NoSuchRule'"):
        nag.rule_ids("NoSuchRule")


def test_control_tower_rules_are_limited_to_the_resource_types_present() -> None:
    types = control_tower_rule_types()
    assert types["ct-s3-pr-1"] == frozenset({"AWS::S3::Bucket"})
    skipped = rules_not_applicable(types, {"AWS::S3::Bucket"})
    assert "ct-s3-pr-1" not in skipped
    assert "ct-lambda-pr-3" in skipped
    assert len(skipped) < len(types)
