"""The kill-switch runtime against moto: engage, restore, idempotence, dry run, exemptions."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buttress._lambda_src.kill_switch.actions import Clients
from buttress._lambda_src.kill_switch.config import Config, Kind
from buttress._lambda_src.kill_switch.engine import Incomplete, engage, restore
from tests.moto_env import ACCOUNT, REGION, create_records_table, kill_switch_clients, mocked_aws, moto_session

EXEMPT = {"buttress:kill-switch": "exempt"}
#: Keys of the SNS-to-Lambda event and the drill, so generated events get near the real shapes.
EVENT_KEYS = ("Records", "Sns", "Message", "EventSource", "buttressKillSwitch", "budgetName", "dryRun")
ENGAGED_SCALING: dict[str, Any] = {
    "min": 0,
    "max": 0,
    "suspended": {
        "DynamicScalingInSuspended": True,
        "DynamicScalingOutSuspended": True,
        "ScheduledScalingSuspended": True,
    },
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@dataclass
class World:
    """moto-backed clients and the resources of the scenario, by role."""

    clients: Clients
    config: Config
    fn: dict[str, str]
    svc: dict[str, str]
    inst: dict[str, str]
    queue_url: str
    sqs: Any

    def reserved(self, name: str) -> int | None:
        value = self.clients.lambda_.get_function_concurrency(FunctionName=self.fn[name]).get(
            "ReservedConcurrentExecutions"
        )
        return None if value is None else int(value)

    def desired(self, name: str) -> int:
        found = self.clients.ecs.describe_services(cluster="beta", services=[self.svc[name]])["services"]
        return int(found[0]["desiredCount"])

    def scaling(self, name: str) -> dict[str, Any] | None:
        targets = self.clients.autoscaling.describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[f"service/beta/{self.svc[name]}"]
        )["ScalableTargets"]
        if not targets:
            return None
        t = targets[0]
        # AWS reports SuspendedState with three False flags when nothing is suspended; moto omits it.
        state = t.get("SuspendedState") or {}
        suspended = {k: bool(state.get(k)) for k in ENGAGED_SCALING["suspended"]}
        return {"min": t["MinCapacity"], "max": t["MaxCapacity"], "suspended": suspended}

    def state(self, name: str) -> str:
        reservations = self.clients.ec2.describe_instances(InstanceIds=[self.inst[name]])["Reservations"]
        return str(reservations[0]["Instances"][0]["State"]["Name"])

    def group_policies(self, group: str) -> list[str]:
        attached = self.clients.iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]
        return sorted(p["PolicyName"] for p in attached)

    def snapshot(self) -> dict[str, Any]:
        """Every observable state the switch could touch, for before/after comparisons."""
        return {
            "lambda": {n: self.reserved(n) for n in self.fn},
            "ecs": {n: (self.desired(n), self.scaling(n)) for n in self.svc},
            "ec2": {n: self.state(n) for n in self.inst},
            "iam": {g: self.group_policies(g) for g in ("beta-devs", "already-denied", "bystanders")},
        }

    def summaries(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for message in got:
                envelope = json.loads(message["Body"])
                out.append({"subject": envelope.get("Subject"), **json.loads(envelope["Message"])})
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def world() -> Iterator[World]:
    with mocked_aws(REGION):
        yield _build_world()


def _build_world() -> World:
    session = moto_session(REGION)
    c = kill_switch_clients(session)
    create_records_table(c.dynamodb)
    topic = c.sns.create_topic(Name="operators")["TopicArn"]
    sqs = session.client("sqs")
    queue_url = sqs.create_queue(QueueName="summaries")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    c.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    # Lambda: tagged without a limit, tagged with a limit, untagged, tagged but exempt, the switch itself.
    role = c.iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    fn = {
        "beta_unlimited": ({"Project": "Beta"}, None),
        "beta_limited": ({"Project": "Beta"}, 7),
        "untagged": ({}, None),
        "other_project": ({"Project": "Gamma"}, 3),
        "beta_exempt": ({"Project": "Beta", **EXEMPT}, None),
        "switch_engage": ({"Project": "Beta"}, None),
    }
    for name, (tags, reserved) in fn.items():
        c.lambda_.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
            Tags=tags,
        )
        if reserved is not None:
            c.lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)

    # ECS: tagged with auto scaling, tagged without, untagged with auto scaling.
    c.ecs.create_cluster(clusterName="beta")
    c.ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}]
    )
    svc = {"beta_scaled": "web-scaled", "beta_plain": "web-plain", "untagged_scaled": "other-scaled"}
    for role_name, service in svc.items():
        ecs_tags = [] if role_name.startswith("untagged") else [{"key": "Project", "value": "Beta"}]
        kwargs: dict[str, Any] = {"tags": ecs_tags} if ecs_tags else {}
        c.ecs.create_service(cluster="beta", serviceName=service, taskDefinition="web", desiredCount=3, **kwargs)
        if role_name.endswith("scaled"):
            c.autoscaling.register_scalable_target(
                ServiceNamespace="ecs",
                ResourceId=f"service/beta/{service}",
                ScalableDimension="ecs:service:DesiredCount",
                MinCapacity=2,
                MaxCapacity=6,
            )

    # EC2: tagged running, tagged already stopped, untagged running.
    inst = {}
    for name, tags in (("beta_running", {"Project": "Beta"}), ("beta_stopped", {"Project": "Beta"}), ("untagged", {})):
        spec: Any = (
            [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
        )
        instance = c.ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro", TagSpecifications=spec
        )["Instances"][0]
        inst[name] = instance["InstanceId"]
    c.ec2.stop_instances(InstanceIds=[inst["beta_stopped"]])

    # IAM: the deny policy; a listed group, a listed group already denied, an unlisted group.
    deny = c.iam.create_policy(
        PolicyName="beta-deny",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    for group in ("beta-devs", "already-denied", "bystanders"):
        c.iam.create_group(GroupName=group)
    c.iam.attach_group_policy(GroupName="already-denied", PolicyArn=deny)

    config = Config(
        switch_id="beta-switch",
        budget_name="Beta",
        account_id=ACCOUNT,
        table_name="records",
        summary_topic_arn=topic,
        tag_key="Project",
        tag_value="Beta",
        iam_groups=("beta-devs", "already-denied"),
        deny_policy_arn=deny,
        protected_functions=("switch_engage",),
        max_workers=4,
    )
    return World(c, config, fn={k: k for k in fn}, svc=svc, inst=inst, queue_url=queue_url, sqs=sqs)


def test_engage_stops_tagged_resources_only(world: World) -> None:
    before = world.snapshot()
    summary = engage(world.clients, world.config, run_id="r1")
    after = world.snapshot()

    assert after["lambda"] == {**before["lambda"], "beta_unlimited": 0, "beta_limited": 0}
    assert after["ecs"]["beta_scaled"] == (0, ENGAGED_SCALING)
    assert after["ecs"]["beta_plain"] == (0, None)
    assert after["ecs"]["untagged_scaled"] == before["ecs"]["untagged_scaled"]
    assert after["ec2"] == {"beta_running": "stopped", "beta_stopped": "stopped", "untagged": "running"}
    assert after["iam"] == {"beta-devs": ["beta-deny"], "already-denied": ["beta-deny"], "bystanders": []}
    assert summary.counts["lambda"]["changed"] == 2
    assert summary.counts["ecs"]["changed"] == 2
    assert summary.counts["ec2"] == {"changed": 1, "skipped": 1, "failed": 0, "deferred": 0}
    assert summary.counts["iam"] == {"changed": 1, "skipped": 1, "failed": 0, "deferred": 0}
    assert summary.total("failed") == 0
    reasons = {d["resource"].split(":")[-1]: d["reason"] for d in summary.details if d["kind"] == "lambda"}
    assert reasons["beta_exempt"] == "exempt tag"
    assert reasons["switch_engage"] == "kill-switch function"


def test_restore_returns_exact_previous_state(world: World) -> None:
    before = world.snapshot()
    engage(world.clients, world.config, run_id="r1")
    summary = restore(world.clients, world.config, run_id="r2")
    after = world.snapshot()
    # No concurrency limit where there was none, 7 where it was 7; desired counts and bounds back;
    # the instance stopped before engaging stays stopped; the pre-existing attachment stays.
    assert after == before
    assert world.reserved("beta_unlimited") is None
    assert summary.total("changed") == 6
    assert summary.total("failed") == 0


def test_engage_twice_changes_nothing_more(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    once = world.snapshot()
    second = engage(world.clients, world.config, run_id="r2")
    assert world.snapshot() == once
    assert second.total("changed") == 0
    # The records still hold the state from before the first engage, so restore is still exact.
    restore(world.clients, world.config, run_id="r3")
    assert world.reserved("beta_limited") == 7
    assert world.reserved("beta_unlimited") is None


def test_restore_twice_changes_nothing_more(world: World) -> None:
    before = world.snapshot()
    engage(world.clients, world.config, run_id="r1")
    restore(world.clients, world.config, run_id="r2")
    again = restore(world.clients, world.config, run_id="r3")
    assert again.total("changed") == 0
    assert world.snapshot() == before


def test_dry_run_changes_nothing(world: World) -> None:
    before = world.snapshot()
    summary = engage(world.clients, replace(world.config, dry_run=True), run_id="r1")
    assert world.snapshot() == before
    assert summary.total("changed") == 6  # what it would change
    assert world.clients.dynamodb.scan(TableName="records")["Count"] == 0
    message = world.summaries()[-1]
    assert message["dryRun"] is True
    assert "DRY RUN" in message["subject"]


def test_restore_dry_run_changes_nothing(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    engaged = world.snapshot()
    summary = restore(world.clients, world.config, run_id="r2", dry_run=True)
    assert world.snapshot() == engaged
    assert summary.total("changed") == 6
    restore(world.clients, world.config, run_id="r3")
    assert world.reserved("beta_limited") == 7


def test_engage_after_restore_records_afresh(world: World) -> None:
    """Next month's breach: the record of the last restore is replaced by the state of now."""
    engage(world.clients, world.config, run_id="r1")
    restore(world.clients, world.config, run_id="r2")
    world.clients.lambda_.put_function_concurrency(FunctionName="beta_limited", ReservedConcurrentExecutions=9)
    assert engage(world.clients, world.config, run_id="r3").total("changed") == 6
    assert world.reserved("beta_limited") == 0
    restore(world.clients, world.config, run_id="r4")
    assert world.reserved("beta_limited") == 9


def test_summary_published_by_kind(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    (message,) = world.summaries()
    assert message["action"] == "engage"
    assert message["counts"]["lambda"]["changed"] == 2
    assert message["subject"] == "kill-switch engage Beta: 6 changed, 0 failed, 0 deferred"
    changed = {d["resource"] for d in message["details"] if d["outcome"] == "changed"}
    assert any(r.endswith("function:beta_limited") for r in changed)


def test_one_failure_does_not_stop_the_others(world: World) -> None:
    # A listed group that does not exist fails; everything else is still engaged and restorable.
    config = replace(world.config, iam_groups=("ghost", *world.config.iam_groups))
    summary = engage(world.clients, config, run_id="r1")
    assert summary.counts["iam"]["failed"] == 1
    assert summary.total("changed") == 6
    assert world.reserved("beta_limited") == 0


def test_records_hold_previous_state(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    items = world.clients.dynamodb.scan(TableName="records")["Items"]
    by_key = {i["resource"]["S"].split(":")[-1]: (i["status"]["S"], json.loads(i["previous"]["S"])) for i in items}
    assert by_key["beta_unlimited"] == ("engaged", {"reserved": None})
    assert by_key["beta_limited"] == ("engaged", {"reserved": 7})
    scaled = next(v for k, v in by_key.items() if k.endswith("web-scaled"))
    assert scaled == (
        "engaged",
        {
            "desired": 3,
            "scaling": {
                "min": 2,
                "max": 6,
                "suspended": {
                    "DynamicScalingInSuspended": False,
                    "DynamicScalingOutSuspended": False,
                    "ScheduledScalingSuspended": False,
                },
            },
        },
    )
    assert len(items) == 6  # no record for skipped resources: restore never touches them


def test_pending_record_is_finished_with_the_recorded_state(world: World) -> None:
    """A crash after recording, before changing: the rerun uses the recorded previous state."""
    from buttress._lambda_src.kill_switch.plan import Target
    from buttress._lambda_src.kill_switch.store import RecordStore

    arn = world.clients.lambda_.get_function(FunctionName="beta_limited")["Configuration"]["FunctionArn"]
    target = Target(Kind.LAMBDA, arn)
    store = RecordStore(world.clients.dynamodb, "records", "beta-switch")
    assert store.begin(target, {"reserved": 7}, "crashed-run")
    # Someone zeroes it by hand before the rerun; the rerun must still remember 7.
    world.clients.lambda_.put_function_concurrency(FunctionName="beta_limited", ReservedConcurrentExecutions=0)
    engage(world.clients, world.config, run_id="r2")
    restore(world.clients, world.config, run_id="r3")
    assert world.reserved("beta_limited") == 7


def test_out_of_time_defers_and_raises_after_summary(world: World) -> None:
    with pytest.raises(Incomplete):
        engage(world.clients, world.config, run_id="r1", remaining_ms=lambda: 1_000)
    assert world.summaries()[-1]["counts"]["lambda"]["deferred"] == 2
    assert world.reserved("beta_limited") == 7
    # The retry (with time) continues from the records.
    summary = engage(world.clients, world.config, run_id="r2")
    assert summary.total("changed") == 6


def test_pagination_over_many_tagged_functions(world: World) -> None:
    role = world.clients.iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    for i in range(120):
        world.clients.lambda_.create_function(
            FunctionName=f"bulk{i:03}",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
            Tags={"Project": "Beta"},
        )
    summary = engage(world.clients, world.config, run_id="r1")
    assert summary.counts["lambda"]["changed"] == 122
    assert world.reserved("beta_limited") == 0
    assert world.clients.lambda_.get_function_concurrency(FunctionName="bulk119")["ReservedConcurrentExecutions"] == 0
    restored = restore(world.clients, world.config, run_id="r2")
    assert restored.counts["lambda"]["changed"] == 122
    assert (
        world.clients.lambda_.get_function_concurrency(FunctionName="bulk119").get("ReservedConcurrentExecutions")
        is None
    )


def test_actions_can_be_disabled(world: World) -> None:
    before = world.snapshot()
    summary = engage(world.clients, replace(world.config, actions=(Kind.LAMBDA,)), run_id="r1")
    after = world.snapshot()
    assert after["ecs"] == before["ecs"]
    assert after["ec2"] == before["ec2"]
    assert after["iam"] == before["iam"]
    assert set(summary.counts) == {"lambda"}


class FakeContext:
    """The attributes of the Lambda context object the handlers read."""

    function_name = "switch_engage"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 600_000


def _sns_event(*messages: str) -> dict[str, Any]:
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": m, "Subject": "s"}} for m in messages]}


def _breach(name: str = "Beta", alert: str = "ACTUAL") -> str:
    from tests.test_kill_switch_messages import budgets_text

    return budgets_text(name=name, alert=alert, account=ACCOUNT)


def test_engage_handler_on_genuine_breach_and_redelivery(world: World) -> None:
    from buttress._lambda_src.kill_switch import engage as ks_engage

    protected = replace(world.config, protected_functions=())  # the context names the switch's own function
    result = ks_engage.run(_sns_event(_breach()), FakeContext(), world.clients, protected)
    assert result["status"] == "engaged"
    assert world.reserved("beta_limited") == 0
    assert world.reserved("switch_engage") is None
    engaged = world.snapshot()
    again = ks_engage.run(_sns_event(_breach(), _breach()), FakeContext(), world.clients, protected)
    assert world.snapshot() == engaged
    assert sum(c["changed"] for c in again["counts"].values()) == 0


def test_engage_handler_ignores_foreign_messages(world: World) -> None:
    from buttress._lambda_src.kill_switch import engage as ks_engage

    before = world.snapshot()
    for event in (
        _sns_event(_breach(alert="FORECASTED"), _breach(name="Gamma"), "This is a mock notification", "{}"),
        {"Records": None},
        None,
        "text",
        {"buttressKillSwitch": "drill", "budgetName": "Gamma"},
    ):
        assert ks_engage.run(event, FakeContext(), world.clients, world.config) == {"status": "ignored"}
    assert world.snapshot() == before
    assert world.summaries() == []


def test_drill_dry_run_changes_nothing_and_reports(world: World) -> None:
    from buttress._lambda_src.kill_switch import engage as ks_engage

    before = world.snapshot()
    drill = json.dumps({"buttressKillSwitch": "drill", "budgetName": "Beta", "dryRun": True})
    result = ks_engage.run(_sns_event(drill), FakeContext(), world.clients, world.config)
    assert result["dryRun"] is True
    assert world.snapshot() == before
    assert world.summaries()[-1]["dryRun"] is True
    # A real breach in the same batch as a rehearsal wins.
    result = ks_engage.run(_sns_event(drill, _breach()), FakeContext(), world.clients, world.config)
    assert result["dryRun"] is False
    assert world.reserved("beta_limited") == 0


def test_restore_handler_needs_confirmation(world: World) -> None:
    from buttress._lambda_src.kill_switch import restore as ks_restore

    engage(world.clients, world.config, run_id="r1")
    engaged = world.snapshot()
    for event in (None, {}, {"confirm": "yes"}, "restore"):
        assert ks_restore.run(event, FakeContext(), world.clients, world.config)["status"] == "refused"
    assert world.snapshot() == engaged
    result = ks_restore.run({"confirm": "restore", "dryRun": True}, FakeContext(), world.clients, world.config)
    assert result["dryRun"] is True
    assert world.snapshot() == engaged
    assert ks_restore.run({"confirm": "restore"}, FakeContext(), world.clients, world.config)["status"] == "restored"
    assert world.reserved("beta_limited") == 7


def test_handlers_build_their_own_clients(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Lambda entry points: configuration from the environment, boto3 clients at call time."""
    from buttress._lambda_src.kill_switch import engage as ks_engage
    from buttress._lambda_src.kill_switch import restore as ks_restore

    before = world.snapshot()
    # Without protected_functions: the engage function protects itself by the context's name.
    for var, value in replace(world.config, protected_functions=()).to_environment().items():
        monkeypatch.setenv(var, value)
    result = ks_engage.handler(_sns_event(_breach()), FakeContext())
    assert result["status"] == "engaged"
    assert world.reserved("beta_limited") == 0
    assert world.reserved("switch_engage") is None  # itself, by the context's function name
    assert ks_restore.handler({"confirm": "restore"}, FakeContext())["status"] == "restored"
    assert world.snapshot() == before


def test_ignored_message_is_logged_with_reason(world: World, caplog: pytest.LogCaptureFixture) -> None:
    from buttress._lambda_src.kill_switch import engage as ks_engage

    with caplog.at_level("INFO", logger="kill_switch"):
        ks_engage.run(_sns_event(_breach(alert="FORECASTED")), FakeContext(), world.clients, world.config)
    (record,) = [r for r in caplog.records if r.getMessage() == "message.ignored"]
    assert "only warns" in record.__dict__["reason"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(EVENT_KEYS) | st.text(), inner),
        max_leaves=10,
    )
)
def test_arbitrary_events_never_raise(world: World, event: Any) -> None:
    """Any event shape: the engage handler ignores it (or, by chance, engages) without raising."""
    from buttress._lambda_src.kill_switch import engage as ks_engage

    ks_engage.triggers(event, world.config)
    ks_engage.triggers({"Records": [{"Sns": {"Message": event}}]}, world.config)


def test_records_are_read_across_pages(world: World) -> None:
    from buttress._lambda_src.kill_switch.store import RecordStore

    engage(world.clients, world.config, run_id="r1")
    store = RecordStore(world.clients.dynamodb, "records", "beta-switch", page_size=2)
    assert len(list(store.active())) == 6
    other = RecordStore(world.clients.dynamodb, "records", "another-switch", page_size=2)
    assert list(other.active()) == []  # records are per switch


class _Http:
    status_code = 400
    headers: dict[str, str] = {}


def test_throttled_calls_are_retried(world: World) -> None:
    """Throttling injected into the moto-backed client: every change still lands, none fails."""
    throttled: list[str] = []

    def throttle_first_two(params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        if len(throttled) < 2:
            throttled.append(str(params.get("FunctionName")))
            error = {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}
            return _Http(), error
        return None

    events = world.clients.lambda_.meta.events
    events.register("before-call.lambda.PutFunctionConcurrency", cast(Any, throttle_first_two))
    summary = engage(world.clients, world.config, run_id="r1")
    assert len(throttled) == 2
    assert summary.total("failed") == 0
    assert world.reserved("beta_limited") == 0
    assert world.reserved("beta_unlimited") == 0


def test_discovery_failure_still_denies_iam_reports_and_fails(world: World) -> None:
    from buttress._lambda_src.kill_switch.engine import DiscoveryFailed

    def denied(**_: Any) -> tuple[_Http, dict[str, Any]]:
        return _Http(), {"Error": {"Code": "AccessDeniedException", "Message": "no tag:GetResources"}}

    event = "before-call.resource-groups-tagging-api.GetResources"
    world.clients.tagging.meta.events.register(event, cast(Any, denied))
    before = world.snapshot()
    with pytest.raises(DiscoveryFailed, match="AccessDenied"):
        engage(world.clients, world.config, run_id="r1")
    after = world.snapshot()
    assert after["lambda"] == before["lambda"]
    assert after["iam"]["beta-devs"] == ["beta-deny"]
    message = world.summaries()[-1]
    assert message["counts"]["discovery"]["failed"] == 1


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"confirm": "restore", "dryRun": "true"}, "dryRun must be true or false, not str"),
        ({"confirm": "restore", "dryRun": 1}, "dryRun must be true or false, not int"),
        ({"confirm": "restore", "dryRun": None}, "dryRun must be true or false, not NoneType"),
        ({"confirm": "restore", "dry_run": True}, "unknown keys ['dry_run']; allowed: ['confirm', 'dryRun']"),
        ({"confirm": True}, "confirm must be a string, not bool"),
        ({"confirm": "RESTORE"}, "confirm must be 'restore', not 'RESTORE'"),
        ({"dryRun": True}, "missing ['confirm']"),
        (["confirm", "restore"], "payload is list, not a JSON object"),
    ],
)
def test_restore_payload_checked_strictly(
    world: World, caplog: pytest.LogCaptureFixture, event: object, reason: str
) -> None:
    """A wrong type or an unknown key is refused, logged, and changes nothing: never read as a real restore."""
    from buttress._lambda_src.kill_switch import restore as ks_restore

    engage(world.clients, world.config, run_id="r1")
    engaged = world.snapshot()
    world.summaries()  # drained: what follows must publish nothing
    with caplog.at_level("INFO", logger="kill_switch"):
        result = ks_restore.run(event, FakeContext(), world.clients, world.config)
    assert result["status"] == "refused"
    assert result["reason"].startswith(reason + "; payload must be")
    (record,) = [r for r in caplog.records if r.getMessage() == "restore.refused"]
    assert record.__dict__["reason"] == result["reason"]
    assert world.snapshot() == engaged
    assert world.summaries() == []


@pytest.mark.parametrize(
    ("drill", "reason"),
    [
        ({"dryRun": "true"}, "drill refused: dryRun must be true or false, not str"),
        ({"dryRun": 0}, "drill refused: dryRun must be true or false, not int"),
        (
            {"dryrun": True},
            "drill refused: unknown keys ['dryrun']; allowed: ['budgetName', 'buttressKillSwitch', 'dryRun']",
        ),
        ({"budgetName": ["Beta"]}, "drill refused: budgetName must be a string, not list"),
        ({"budgetName": None}, "drill refused: budgetName must be a string, not NoneType"),
    ],
)
def test_drill_payload_checked_strictly(
    world: World, caplog: pytest.LogCaptureFixture, drill: dict[str, object], reason: str
) -> None:
    """Over SNS and invoked directly alike: refused with the reason logged, nothing changed."""
    from buttress._lambda_src.kill_switch import engage as ks_engage

    before = world.snapshot()
    payload = {"buttressKillSwitch": "drill", "budgetName": "Beta", **drill}
    for event in (_sns_event(json.dumps(payload)), payload):
        caplog.clear()
        with caplog.at_level("INFO", logger="kill_switch"):
            assert ks_engage.run(event, FakeContext(), world.clients, world.config) == {"status": "ignored"}
        (record,) = [r for r in caplog.records if r.getMessage() == "message.ignored"]
        assert record.__dict__["reason"] == reason
    assert world.snapshot() == before
    assert world.summaries() == []
