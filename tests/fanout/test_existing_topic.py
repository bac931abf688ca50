"""FanoutTopic over a topic it did not create (issue 26 item 5): same account, another account, another stack.

Each consumer app has an explicit environment and every compliance plugin on (cdk-nag packs,
cfn-guard): a finding fails ``app.synth()``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Fn, Stack, Validations
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import ButtressError, FanoutTopic, compliance
from buttress.fanout.existing_topic import KEY_UNKNOWN_WARNING, METRICS_ELSEWHERE_WARNING
from buttress.parts import nag
from buttress.parts.keys import limit_grants_to_aws_services
from buttress.rules.fanout import EXISTING_TOPIC_OWNER_PROPS
from buttress.rules.template_metadata import TOPIC_METADATA
from buttress.tools.route import main as route_main
from buttress.tools.route import route_template
from tests.harness import resources_of_type

HERE = Environment(account="111122223333", region="eu-west-1")
OTHER_ACCOUNT = "444455556666"
OTHER_TOPIC = f"arn:aws:sns:eu-west-1:{OTHER_ACCOUNT}:orders"
OTHER_KEY = f"arn:aws:kms:eu-west-1:{OTHER_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SAME_TOPIC = "arn:aws:sns:eu-west-1:111122223333:orders"
SAME_KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LAB = {"category": ["lab-supplies"]}
BIG = {"amount_usd": [{"numeric": [">=", 10000]}]}


@dataclass
class Synthesized:
    fanout: FanoutTopic
    template: dict[str, Any]
    messages: list[tuple[str, str]]

    def texts(self, marker: str) -> list[str]:
        return [text for _, text in self.messages if marker in text]

    def owner_statements(self) -> list[dict[str, Any]]:
        """The statements of the OwnerMustAdd outputs, as the template writes them (tokens as intrinsics)."""
        outputs = self.template.get("Outputs", {})
        return [_statement(o["Value"]) for k, o in outputs.items() if "OwnerMustAdd" in k]


def _statement(value: Any) -> dict[str, Any]:
    """An output's JSON value: a plain string, or an Fn::Join of strings and intrinsics (kept as markers)."""
    if isinstance(value, str):
        loaded: dict[str, Any] = json.loads(value)
        return loaded
    parts = value["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else json.dumps(json.dumps(p))[1:-1] for p in parts)
    loaded = json.loads(text)
    return loaded


def _logical_id(synthesized: Synthesized, prefix: str) -> str:
    (found,) = [
        k
        for k, r in synthesized.template["Resources"].items()
        if k.startswith(prefix) and r["Type"] == "AWS::IAM::Role"
    ]
    return str(found)


def _app() -> tuple[App, Stack]:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    return app, Stack(app, "Consumer", env=HERE)


def _synth(app: App, stack: Stack, fanout: FanoutTopic) -> Synthesized:
    Validations.of(app).add_plugins(*compliance.plugins(app))
    artifact = app.synth().get_stack_artifact(stack.artifact_id)
    messages = [(str(m.level), str(m.entry.data)) for m in artifact.messages]
    return Synthesized(fanout, artifact.template, messages)


def _function(stack: Stack) -> lambda_.IFunction:
    return lambda_.Function.from_function_attributes(
        stack,
        "Audit",
        function_arn="arn:aws:lambda:eu-west-1:111122223333:function:audit",
        same_environment=True,
    )


def _publisher(stack: Stack) -> iam.Role:
    role = iam.Role(stack, "Publisher", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    # The grant is this test's subject; the inline default policy is how aws-cdk-lib grants.
    nag.acknowledge_rule(role, "IAMNoInlinePolicy", "A test publisher: grant_publish writes its default policy")
    return role


@pytest.fixture(scope="module")
def other_account() -> Synthesized:
    """Another team's topic, in another account, encrypted with their key."""
    app, stack = _app()
    topic = sns.Topic.from_topic_attributes(stack, "Theirs", topic_arn=OTHER_TOPIC, key_arn=OTHER_KEY)
    ops = sns.Topic.from_topic_arn(stack, "Ops", "arn:aws:sns:eu-west-1:111122223333:ops")
    fanout = FanoutTopic(
        stack,
        "Orders",
        existing_topic=topic,
        service_publishers=["cloudwatch.amazonaws.com"],
        alarm_action=cloudwatch_actions.SnsAction(ops),
    )
    fanout.add_queue("Lab", filter_policy=LAB)
    fanout.add_queue("Finance", filter_policy=BIG, dead_letter_queue="shared")
    fanout.add_function("Audit", _function(stack))
    fanout.add_email("Buyers", "buyers@example.com", filter_policy=LAB)
    fanout.grant_publish(_publisher(stack))
    return _synth(app, stack, fanout)


def test_no_topic_and_no_topic_key_are_created(other_account: Synthesized) -> None:
    template = other_account.template
    assert not resources_of_type(template, "AWS::SNS::TopicPolicy")
    assert not resources_of_type(template, "AWS::SNS::Topic")
    (key,) = resources_of_type(template, "AWS::KMS::Key").values()  # the queue key
    assert "SQS queues subscribed" in key["Properties"]["Description"]
    assert other_account.fanout.key is not None and other_account.fanout.key.key_arn == OTHER_KEY
    assert other_account.fanout.shares_key is False


def test_subscriptions_are_to_the_existing_topic_and_carry_the_construct_id(other_account: Synthesized) -> None:
    subscriptions = resources_of_type(other_account.template, "AWS::SNS::Subscription").values()
    assert sorted(s["Properties"]["Protocol"] for s in subscriptions) == ["email", "lambda", "sqs", "sqs"]
    for subscription in subscriptions:
        assert subscription["Properties"]["TopicArn"] == OTHER_TOPIC
        assert subscription["Properties"].get("Region", "eu-west-1") == "eu-west-1"  # the topic's Region
        assert subscription["Metadata"][TOPIC_METADATA] == "Orders"
        # what SNS gives up on lands in this stack's dead-letter queue: the subscription is this account's
        assert "RedrivePolicy" in subscription["Properties"]


def test_the_owner_is_asked_to_let_this_account_subscribe_each_endpoint(other_account: Synthesized) -> None:
    subscribes = [s for s in other_account.owner_statements() if s["Action"] == "sns:Subscribe"]
    assert sorted(s["Condition"]["StringEquals"]["sns:Protocol"] for s in subscribes) == [
        "email",
        "lambda",
        "sqs",
        "sqs",
    ]
    for statement in subscribes:
        assert statement["Resource"] == OTHER_TOPIC
        assert statement["Effect"] == "Allow"
        assert "111122223333" in json.dumps(statement["Principal"])
        assert statement["Condition"]["StringEquals"]["sns:Endpoint"]
    endpoints = {s["Sid"]: s["Condition"]["StringEquals"]["sns:Endpoint"] for s in subscribes}
    assert endpoints["SubscribeBuyers"] == "buyers@example.com"
    assert endpoints["SubscribeAudit"] == "arn:aws:lambda:eu-west-1:111122223333:function:audit"
    assert len(other_account.texts("[buttress:ownerMustAdd]")) == len(other_account.owner_statements())


def test_publishers_of_this_account_are_statements_for_the_owner(other_account: Synthesized) -> None:
    statements = other_account.owner_statements()
    publish = [s for s in statements if s["Action"] == "sns:Publish"]
    assert {json.dumps(s["Principal"], sort_keys=True) for s in publish} == {
        json.dumps({"Service": "cloudwatch.amazonaws.com"}),
        json.dumps({"AWS": json.dumps({"Fn::GetAtt": [_logical_id(other_account, "Publisher"), "Arn"]})}),
    }
    keys = [s for s in statements if s["Action"] != "sns:Publish" and s["Action"] != "sns:Subscribe"]
    assert len(keys) == 2  # CloudWatch's and the role's, on their key
    assert all(s["Resource"] == "*" for s in keys)
    policy = next(iter(resources_of_type(other_account.template, "AWS::IAM::Policy").values()))
    granted = {json.dumps(s["Action"]) for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert granted == {json.dumps(["kms:Decrypt", "kms:GenerateDataKey"]), json.dumps("sns:Publish")}


def test_metrics_name_the_topics_account_and_no_failed_alarm_is_made_here(other_account: Synthesized) -> None:
    alarms = resources_of_type(other_account.template, "AWS::CloudWatch::Alarm")
    assert alarms and all("DeadLetterQueue" in logical_id for logical_id in alarms)
    assert other_account.fanout.failed_alarm is None
    (warning,) = other_account.texts(METRICS_ELSEWHERE_WARNING)
    assert OTHER_ACCOUNT in warning
    (dashboard,) = resources_of_type(other_account.template, "AWS::CloudWatch::Dashboard").values()
    assert OTHER_ACCOUNT in json.dumps(dashboard["Properties"]["DashboardBody"])
    assert other_account.fanout.metric_notifications_failed().account == OTHER_ACCOUNT


def test_route_works_in_the_app_and_on_the_synthesized_template(other_account: Synthesized, tmp_path: Path) -> None:
    message = {"category": "lab-supplies", "amount_usd": 15700}
    expected = ["Lab", "Finance", "Audit", "Buyers"]
    assert other_account.fanout.route(attributes=message) == expected
    routes = route_template(other_account.template, attributes=message)
    assert sorted(r.subscriber for r in routes if r.receives) == sorted(expected)
    path = tmp_path / "consumer.template.json"
    path.write_text(json.dumps(other_account.template))
    assert route_main(["--template", str(path), "--topic", "Orders", "-a", "category=books", "--json"]) == 0


def test_route_command_prints_the_existing_topics_receivers(
    other_account: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "consumer.template.json"
    path.write_text(json.dumps(other_account.template))
    assert route_main(["--template", str(path), "-a", "category=books", "-n", "amount_usd=20000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["Finance", "Audit"]


@pytest.fixture(scope="module")
def same_account() -> Synthesized:
    app, stack = _app()
    topic = sns.Topic.from_topic_attributes(stack, "Shared", topic_arn=SAME_TOPIC, key_arn=SAME_KEY)
    fanout = FanoutTopic(stack, "Orders", existing_topic=topic)
    fanout.add_queue("Lab", filter_policy=LAB)
    fanout.grant_publish(_publisher(stack))
    return _synth(app, stack, fanout)


def test_a_topic_of_this_account_needs_nothing_from_its_owner(same_account: Synthesized) -> None:
    assert same_account.owner_statements() == []
    assert not same_account.texts("[buttress:ownerMustAdd]")
    assert not same_account.texts(METRICS_ELSEWHERE_WARNING)
    policy = next(iter(resources_of_type(same_account.template, "AWS::IAM::Policy").values()))
    resources = [s["Resource"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert sorted(resources) == [SAME_KEY, SAME_TOPIC]


def test_a_topic_known_at_deploy_only_asks_its_owner_and_may_say_fifo() -> None:
    app, stack = _app()
    topic = sns.Topic.from_topic_arn(stack, "Imported", Fn.import_value("orders-topic-arn"))
    fanout = FanoutTopic(stack, "Orders", existing_topic=topic, fifo=True)
    fanout.add_queue("Lab")
    fanout.grant_publish(_publisher(stack))
    synthesized = _synth(app, stack, fanout)
    queues = resources_of_type(synthesized.template, "AWS::SQS::Queue").values()
    (queue,) = [q for q in queues if "RedrivePolicy" in q["Properties"]]
    assert queue["Properties"]["FifoQueue"] is True
    actions = sorted(json.dumps(s["Action"]) for s in synthesized.owner_statements())
    assert actions == ['"sns:Publish"', '"sns:Subscribe"']
    assert synthesized.texts(KEY_UNKNOWN_WARNING)


def test_another_stacks_topic_gets_its_statements_there() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    owner = Stack(app, "Owner", env=HERE)
    key = kms.Key(owner, "Key", enable_key_rotation=True)
    limit_grants_to_aws_services(key)  # Control Tower's CT.KMS.PR.3, which the owner's stack is checked against too
    topic = sns.Topic(owner, "Orders", enforce_ssl=True, master_key=key)
    consumer = Stack(app, "Consumer", env=HERE)
    fanout = FanoutTopic(consumer, "Orders", existing_topic=topic, service_publishers=["budgets.amazonaws.com"])
    fanout.add_queue("Lab", filter_policy=LAB)
    Validations.of(app).add_plugins(*compliance.plugins(app))
    assembly = app.synth()
    owner_template = assembly.get_stack_artifact(owner.artifact_id).template
    (policy,) = resources_of_type(owner_template, "AWS::SNS::TopicPolicy").values()
    principals = [s.get("Principal") for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert {"Service": "budgets.amazonaws.com"} in principals
    consumer_template = assembly.get_stack_artifact(consumer.artifact_id).template
    (subscription,) = resources_of_type(consumer_template, "AWS::SNS::Subscription").values()
    assert '"StackName": "Owner"' in json.dumps(subscription["Properties"]["TopicArn"])  # a cross-stack reference
    (owner_key,) = resources_of_type(owner_template, "AWS::KMS::Key").values()
    principals = [s.get("Principal") for s in owner_key["Properties"]["KeyPolicy"]["Statement"]]
    assert {"Service": "budgets.amazonaws.com"} in principals
    assert not [k for k in consumer_template.get("Outputs", {}) if "OwnerMustAdd" in k]


def _refused(**kwargs: Any) -> str:
    _, stack = _app()
    topic = sns.Topic.from_topic_arn(stack, "Theirs", kwargs.pop("arn", OTHER_TOPIC))
    with pytest.raises(ButtressError) as error:
        FanoutTopic(stack, "Orders", existing_topic=topic, **kwargs)
    return str(error.value)


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("topic_name", "orders"),
        ("display_name", "Orders"),
        ("content_based_deduplication", True),
        ("delivery_status_logging", {"sqs": 10}),
        ("archive_retention_days", 7),
    ],
)
def test_the_owners_props_are_refused(prop: str, value: Any) -> None:
    assert prop in EXISTING_TOPIC_OWNER_PROPS
    message = _refused(**{prop: value})
    assert message.startswith(f"Consumer/Orders: {prop}=")
    assert "not with existing_topic=" in message and "belong to whoever created it" in message


def test_fifo_must_agree_with_the_arn() -> None:
    message = _refused(fifo=True)
    assert "fifo=True is invalid: not with this existing_topic: its ARN does not end in .fifo" in message


def test_a_topic_in_another_region_is_refused_with_where_to_put_it() -> None:
    message = _refused(arn=f"arn:aws:sns:us-east-1:{OTHER_ACCOUNT}:orders")
    assert "existing_topic is in Region us-east-1, this stack in eu-west-1" in message
    assert "sns-dead-letter-queues.html" in message


def test_a_string_is_not_a_topic() -> None:
    _, stack = _app()
    with pytest.raises(ButtressError, match=r"existing_topic='arn:aws:sns:.*' is invalid: an sns.ITopic"):
        FanoutTopic(stack, "Orders", existing_topic=OTHER_TOPIC)  # type: ignore[arg-type]


def test_a_fifo_topic_takes_queues_only_and_makes_them_fifo() -> None:
    _, stack = _app()
    topic = sns.Topic.from_topic_arn(stack, "Theirs", f"{OTHER_TOPIC}.fifo")
    fanout = FanoutTopic(stack, "Orders", existing_topic=topic)
    assert fanout.fifo is True
    queue = fanout.add_queue("Lab")
    assert isinstance(queue, sqs.Queue) and queue.fifo
    with pytest.raises(ButtressError, match="add_function is invalid on a FIFO topic"):
        fanout.add_function("Audit", _function(stack))


def test_firehose_of_another_account_topic_is_refused() -> None:
    _, stack = _app()
    fanout = FanoutTopic(stack, "Orders", existing_topic=sns.Topic.from_topic_arn(stack, "Theirs", OTHER_TOPIC))
    stream = firehose.DeliveryStream.from_delivery_stream_arn(
        stack, "Stream", "arn:aws:firehose:eu-west-1:111122223333:deliverystream/archive"
    )
    with pytest.raises(ButtressError, match=r"add_firehose is invalid on existing_topic in account 444455556666"):
        fanout.add_firehose("Archive", stream)


def test_a_queue_of_another_region_is_subscribed_in_the_topics_region() -> None:
    """The subscription lands in the topic's stack, whose Region is the topic's: no ``Region`` (it was the queue's)."""
    _, stack = _app()
    fanout = FanoutTopic(stack, "Orders")
    queue = sqs.Queue.from_queue_arn(stack, "Far", "arn:aws:sqs:us-east-1:111122223333:far")
    fanout.add_queue("Far", queue=queue)
    template = dict(Template.from_stack(stack).to_json())
    (subscription,) = resources_of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == "arn:aws:sqs:us-east-1:111122223333:far"
    assert "Region" not in subscription["Properties"]


def test_a_service_publisher_on_a_topic_of_unknown_key_addresses_the_topics_key() -> None:
    app, stack = _app()
    topic = sns.Topic.from_topic_arn(stack, "Theirs", OTHER_TOPIC)
    fanout = FanoutTopic(stack, "Orders", existing_topic=topic, service_publishers=["budgets.amazonaws.com"])
    assert fanout.key is None
    synthesized = _synth(app, stack, fanout)
    texts = synthesized.texts("[buttress:ownerMustAdd]")
    assert any(
        "the topic's key is not managed by this app" in t and "if it is a customer-managed key" in t for t in texts
    )
    assert any(f"the topic {OTHER_TOPIC} is not managed by this app" in t for t in texts)
    budgets = [s for s in synthesized.owner_statements() if s["Principal"] == {"Service": "budgets.amazonaws.com"}]
    actions = sorted(sorted(s["Action"]) if isinstance(s["Action"], list) else [s["Action"]] for s in budgets)
    assert actions == [["kms:Decrypt", "kms:GenerateDataKey*"], ["sns:Publish"]]
    for statement in budgets:
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_route_command_reads_a_cloud_assembly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()}, outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "LabOrders", env=HERE)
    topic = sns.Topic.from_topic_arn(stack, "Theirs", OTHER_TOPIC)
    fanout = FanoutTopic(stack, "LabOrders", existing_topic=topic, dashboard=False)
    fanout.add_queue("Lab", filter_policy=LAB)
    fanout.add_queue("Big", filter_policy=BIG)
    app.synth()
    argv = ["--cdk-out", str(tmp_path / "cdk.out"), "--stack", "LabOrders", "--topic", "LabOrders"]
    assert route_main([*argv, "-a", "category=lab-supplies", "-n", "amount_usd=15700", "--json"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)) == ["Big", "Lab"]
