"""Issue 25 at run time, against moto: a tripwire alarm's notification engages, stages engage
their own kinds and restore in reverse order, the service control policy is detached exactly
where the switch attached it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest

from buttress._lambda_src.kill_switch import engage as ks_engage
from buttress._lambda_src.kill_switch import restore as ks_restore
from buttress._lambda_src.kill_switch.config import Config, Kind
from tests.moto_env import ACCOUNT, REGION, mocked_aws
from tests.test_kill_switch_messages import budgets_text
from tests.test_kill_switch_runtime import FakeContext, World, _build_world

ALARM = "Beta-tripwire-invocations"


@pytest.fixture
def world() -> Iterator[World]:
    with mocked_aws(REGION):
        yield _build_world()


def alarm_message(*, name: str = ALARM, state: str = "ALARM", account: str = ACCOUNT) -> str:
    """The JSON CloudWatch publishes to SNS on a state change, as AWS sends it (field order and
    values of a real notification; the shape of aws-lambda-go's cloudwatch-alarm-sns-payload and
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html)."""
    return json.dumps(
        {
            "AlarmName": name,
            "AlarmDescription": "buttress kill-switch tripwire",
            "AWSAccountId": account,
            "AlarmConfigurationUpdatedTimestamp": "2026-12-06T10:00:00.000+0000",
            "NewStateValue": state,
            "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [125000.0 (06/12/26 10:05:00)] was "
            "greater than the threshold (100000.0) (minimum 1 datapoint for OK -> ALARM transition).",
            "StateChangeTime": "2026-12-06T10:06:12.345+0000",
            "Region": "US East (N. Virginia)",
            "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{name}",
            "OldStateValue": "OK",
            "OKActions": [],
            "AlarmActions": [f"arn:aws:sns:us-east-1:{account}:alert"],
            "InsufficientDataActions": [],
            "Trigger": {
                "MetricName": "Invocations",
                "Namespace": "AWS/Lambda",
                "StatisticType": "Statistic",
                "Statistic": "SUM",
                "Unit": None,
                "Dimensions": [],
                "Period": 300,
                "EvaluationPeriods": 1,
                "DatapointsToAlarm": 1,
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 100000.0,
                "TreatMissingData": "notBreaching",
                "EvaluateLowSampleCountPercentile": "",
            },
        }
    )


def sns_event(*messages: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "Sns": {"Type": "Notification", "Subject": "ALARM: x", "Message": m},
            }
            for m in messages
        ]
    }


def records(world: World) -> list[dict[str, Any]]:
    items = world.clients.dynamodb.scan(TableName="records")["Items"]
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]


def with_tripwire(config: Config, stage: str = "") -> Config:
    return replace(config, protected_functions=(), tripwires=((ALARM, "invocations", stage),))


def test_tripwire_alarm_notification_engages_with_its_source(world: World) -> None:
    config = with_tripwire(world.config)
    result = ks_engage.run(sns_event(alarm_message()), FakeContext(), world.clients, config)
    assert result["status"] == "engaged"
    assert world.reserved("beta_limited") == 0
    assert {r.get("source") for r in records(world)} == {"tripwire:invocations"}
    assert all(s["source"] == "tripwire:invocations" for s in world.summaries())


@pytest.mark.parametrize(
    ("message", "why"),
    [
        (alarm_message(state="OK"), "back to OK"),
        (alarm_message(state="INSUFFICIENT_DATA"), "no data"),
        (alarm_message(name="someone-elses-alarm"), "another alarm"),
        (alarm_message(account="999999999999"), "another account"),
    ],
)
def test_other_alarm_notifications_are_ignored(world: World, message: str, why: str) -> None:
    before = world.snapshot()
    result = ks_engage.run(sns_event(message), FakeContext(), world.clients, with_tripwire(world.config))
    assert result == {"status": "ignored"}, why
    assert world.snapshot() == before


def test_tripwire_honours_dry_run(world: World) -> None:
    before = world.snapshot()
    config = replace(with_tripwire(world.config), dry_run=True)
    result = ks_engage.run(sns_event(alarm_message()), FakeContext(), world.clients, config)
    assert result["dryRun"] is True
    assert world.snapshot() == before
    assert records(world) == []


def test_drill_still_engages_a_switch_with_tripwires(world: World) -> None:
    drill = json.dumps({"buttressKillSwitch": "drill", "budgetName": "Beta", "dryRun": True})
    result = ks_engage.run(sns_event(drill), FakeContext(), world.clients, with_tripwire(world.config))
    assert result["status"] == "engaged" and result["dryRun"] is True


STAGES = (("notify", 80.0, ()), ("functions", 100.0, ("lambda",)), ("all", 120.0, ("lambda", "ecs", "ec2", "iam")))


def breach_at(threshold: str) -> str:
    return budgets_text(account=ACCOUNT).replace("Alert Threshold: > $2.00", f"Alert Threshold: > ${threshold}")


def test_stages_engage_their_own_kinds_and_restore_in_reverse(world: World) -> None:
    config = replace(world.config, protected_functions=(), stages=STAGES)
    first = ks_engage.run(sns_event(breach_at("2.00")), FakeContext(), world.clients, config)
    assert first["stage"] == "functions"
    assert world.reserved("beta_limited") == 0
    assert world.state("beta_running") == "running"  # EC2 waits for the next stage
    second = ks_engage.run(sns_event(breach_at("2.40")), FakeContext(), world.clients, config)
    assert second["stage"] == "all"
    assert world.state("beta_running") in ("stopping", "stopped")
    stages = {r["resource"]: r.get("stage") for r in records(world)}
    assert {s for k, s in stages.items() if k.startswith("lambda#")} == {"functions"}
    assert {s for k, s in stages.items() if not k.startswith("lambda#")} == {"all"}

    result = ks_restore.run({"confirm": "restore"}, FakeContext(), world.clients, config)
    assert result["status"] == "restored"
    restored = world.summaries()[-1]["details"]
    order = [stages[f"{d['kind']}#{d['resource']}"] for d in restored]
    assert order == sorted(order, key=lambda s: s != "all"), order  # every "all" record before "functions"
    assert world.reserved("beta_limited") == 7
    assert world.state("beta_running") in ("pending", "running")


def test_notify_only_stage_engages_nothing(world: World) -> None:
    config = replace(world.config, protected_functions=(), stages=STAGES)
    before = world.snapshot()
    ks_engage.run(sns_event(breach_at("1.60")), FakeContext(), world.clients, config)
    assert world.snapshot() == before


@pytest.fixture
def organization(world: World) -> dict[str, str]:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="beta")["OrganizationalUnit"]["Id"]
    status = org.create_account(Email="beta@example.com", AccountName="beta")["CreateAccountStatus"]
    account = status["AccountId"]
    content = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})

    def policy(name: str) -> str:
        made = org.create_policy(Content=content, Description=name, Name=name, Type="SERVICE_CONTROL_POLICY")
        return str(made["Policy"]["PolicySummary"]["Id"])

    switch_policy, admin_policy = policy("kill-switch"), policy("administrators-own")
    org.attach_policy(PolicyId=admin_policy, TargetId=ou)  # someone else's SCP on the same target
    return {"ou": ou, "account": account, "switch": switch_policy, "admin": admin_policy}


def scp_config(world: World, organization: dict[str, str]) -> Config:
    return replace(
        world.config,
        actions=(Kind.SCP,),
        scp_targets=(organization["ou"], organization["account"]),
        scp_policy_id=organization["switch"],
    )


def attached(target: str) -> set[str]:
    org = boto3.client("organizations", region_name="us-east-1")
    found = org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    return {p["Id"] for p in found}


def test_scp_attached_by_the_switch_is_detached_by_restore_and_no_other(
    world: World, organization: dict[str, str]
) -> None:
    clients = replace(world.clients, organizations=boto3.client("organizations", region_name="us-east-1"))
    config = scp_config(world, organization)
    drill = json.dumps({"buttressKillSwitch": "drill", "budgetName": "Beta"})
    ks_engage.run(sns_event(drill), FakeContext(), clients, config)
    assert organization["switch"] in attached(organization["ou"])
    assert organization["switch"] in attached(organization["account"])
    ks_restore.run({"confirm": "restore"}, FakeContext(), clients, config)
    assert organization["switch"] not in attached(organization["ou"])
    assert organization["switch"] not in attached(organization["account"])
    assert organization["admin"] in attached(organization["ou"])  # the administrator's stays


def test_switch_policy_attached_by_an_administrator_stays_after_restore(
    world: World, organization: dict[str, str]
) -> None:
    org = boto3.client("organizations", region_name="us-east-1")
    org.attach_policy(PolicyId=organization["switch"], TargetId=organization["account"])  # by hand, before
    clients = replace(world.clients, organizations=org)
    config = scp_config(world, organization)
    ks_engage.run(
        sns_event(json.dumps({"buttressKillSwitch": "drill", "budgetName": "Beta"})), FakeContext(), clients, config
    )
    ks_restore.run({"confirm": "restore"}, FakeContext(), clients, config)
    assert organization["switch"] in attached(organization["account"])
    assert organization["switch"] not in attached(organization["ou"])


def test_with_chat_the_summary_is_also_a_chatbot_custom_notification(world: World) -> None:
    from buttress._lambda_src.kill_switch.chat import custom_notification, publish_kwargs
    from buttress._lambda_src.kill_switch.plan import Summary

    summary = Summary("engage", False, source="tripwire:invocations", stage="everything")
    summary.add("lambda", "changed", "arn:aws:lambda:us-east-1:1:function:f")
    notification = custom_notification(summary, "Beta")
    assert (notification["version"], notification["source"]) == ("1.0", "custom")
    assert "tripwire:invocations" in notification["content"]["description"]
    body = json.loads(publish_kwargs(summary, "Beta", "switch")["Message"])
    assert json.loads(body["default"])["counts"] == {"lambda": {"changed": 1, "skipped": 0, "failed": 0, "deferred": 0}}
    # The e-mail (here an SQS) subscriber still gets the plain JSON summary.
    config = replace(with_tripwire(world.config), chat=True)
    ks_engage.run(sns_event(alarm_message()), FakeContext(), world.clients, config)
    assert world.summaries()[-1]["source"] == "tripwire:invocations"
