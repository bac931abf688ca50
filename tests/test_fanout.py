"""FanoutTopic in bare stacks: encryption, TLS, publishers, subscribers, DLQs, alarms, guard, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Duration, Stack, assertions
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from buttress import ButtressError, DeadLetterQueue, FanoutTopic, FilterScope, Network
from buttress.errors import describe
from buttress.fanout import FILTERING_METRICS
from tests.harness import new_stack, resources_of_type

Match = assertions.Match

SEED_RETRY = {
    "healthyRetryPolicy": {
        "numRetries": 20,
        "minDelayTarget": 10,
        "maxDelayTarget": 120,
        "numNoDelayRetries": 0,
        "numMinDelayRetries": 2,
        "numMaxDelayRetries": 10,
        "backoffFunction": "exponential",
    }
}


def _function(stack: Stack, id_: str = "Fn") -> lambda_.Function:
    return lambda_.Function(
        stack,
        id_,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )


class Built:
    def __init__(self) -> None:
        self.stack = new_stack("Fanout")
        ops = sns.Topic(self.stack, "Ops")
        self.fanout = FanoutTopic(
            self.stack,
            "Orders",
            service_publishers=["budgets.amazonaws.com"],
            alarm_action=cw_actions.SnsAction(ops),
        )
        self.fanout.allow_service_publisher("cloudwatch.amazonaws.com")
        self.publisher = iam.Role(self.stack, "Publisher", assumed_by=iam.AccountRootPrincipal())
        self.fanout.grant_publish(self.publisher)
        self.fanout.add_queue(
            "Filtered", filter_policy={"category": ["lab-supplies"], "total": [{"numeric": [">", 1000]}]}
        )
        self.fanout.add_queue(
            "Body", filter_policy={"order": {"total": [{"numeric": [">", 0]}]}}, filter_scope="MessageBody"
        )
        self.fanout.add_queue("NotRaw", raw_message_delivery=False)
        self.fanout.add_queue(
            "L2",
            filter_policy={
                "color": sns.SubscriptionFilter.string_filter(allowlist=["red"]),
                "size": sns.SubscriptionFilter.numeric_filter(greater_than=10),
            },
        )
        self.fanout.add_function(
            "Fn", _function(self.stack), filter_policy={"category": [{"anything-but": "lab-supplies"}]}
        )
        self.fanout.add_https_endpoint("Scm", "https://scm.example.com/orders", delivery_policy=SEED_RETRY)
        self.fanout.add_email("Mail", "ops@example.com")
        self.template = assertions.Template.from_stack(self.stack)
        self.json: dict[str, Any] = dict(self.template.to_json())

    def logical_id(self, path_part: str, type_: str) -> str:
        found = [
            k
            for k, r in resources_of_type(self.json, type_).items()
            if r.get("Metadata", {}).get("aws:cdk:path", "").endswith(path_part)
        ]
        assert len(found) == 1, (path_part, found)
        return found[0]

    def subscription(self, subscriber: str) -> dict[str, Any]:
        found = [
            r["Properties"]
            for r in resources_of_type(self.json, "AWS::SNS::Subscription").values()
            if r["Metadata"]["buttress:subscriber"] == subscriber
        ]
        assert len(found) == 1
        result: dict[str, Any] = found[0]
        return result


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_topic_encrypted_with_its_own_rotating_cmk(built: Built) -> None:
    key = built.logical_id("Orders/Key/Resource", "AWS::KMS::Key")
    built.template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}, "SignatureVersion": "2"}
    )
    assert built.json["Resources"][key]["Properties"]["EnableKeyRotation"] is True


def test_topic_policy_denies_publishing_without_tls(built: Built) -> None:
    built.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sns:Publish",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


@pytest.mark.parametrize("service", ["budgets.amazonaws.com", "cloudwatch.amazonaws.com"])
def test_service_publishers_limited_to_this_account(built: Built, service: str) -> None:
    source_account = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Condition": source_account}
    built.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({**statement, "Action": "sns:Publish"})])
            }
        },
    )
    key = built.json["Resources"][built.logical_id("Orders/Key/Resource", "AWS::KMS::Key")]
    kms_statements = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": service}
    ]
    assert kms_statements == [
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Condition": source_account,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Resource": "*",
            "Sid": kms_statements[0]["Sid"],
        }
    ]


def test_queue_key_lets_sns_use_it_for_this_topic_only(built: Built) -> None:
    key = built.json["Resources"][built.logical_id("Orders/QueueKey/Resource", "AWS::KMS::Key")]
    topic = built.logical_id("Orders/Topic/Resource", "AWS::SNS::Topic")
    sns_statements = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "sns.amazonaws.com"}
    ]
    assert len(sns_statements) == 1
    assert sns_statements[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": topic}}}
    assert key["Properties"]["EnableKeyRotation"] is True


def test_grant_publish(built: Built) -> None:
    role = built.logical_id("Publisher/Resource", "AWS::IAM::Role")
    policies = [
        p
        for p in resources_of_type(built.json, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role}]
    ]
    actions = {a for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"] for a in _list(s["Action"])}
    # Exactly what SNS needs, no wildcard action: the grantee stays cdk-nag clean (AwsSolutions-IAM5).
    assert actions == {"sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_queues_encrypted_tls_only_with_own_dlq(built: Built) -> None:
    queue_key = built.logical_id("Orders/QueueKey/Resource", "AWS::KMS::Key")
    queue = built.json["Resources"][built.logical_id("Orders/Filtered/Resource", "AWS::SQS::Queue")]
    dlq = built.logical_id("Orders/Filtered-DeadLetterQueue/Resource", "AWS::SQS::Queue")
    assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [queue_key, "Arn"]}
    assert queue["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
        "maxReceiveCount": 5,
    }
    assert built.json["Resources"][dlq]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    for path in ("Orders/Filtered/Policy/Resource", "Orders/Filtered-DeadLetterQueue/Policy/Resource"):
        policy = built.json["Resources"][built.logical_id(path, "AWS::SQS::QueuePolicy")]
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )


def test_every_subscription_has_the_subscription_dlq(built: Built) -> None:
    dlq = built.logical_id("Orders/SubscriptionDeadLetterQueue/Resource", "AWS::SQS::Queue")
    subscriptions = resources_of_type(built.json, "AWS::SNS::Subscription")
    assert len(subscriptions) == 7
    for sub in subscriptions.values():
        assert sub["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}}


def test_raw_delivery_and_filter_scope(built: Built) -> None:
    assert built.subscription("Filtered")["RawMessageDelivery"] is True
    assert built.subscription("Filtered")["FilterPolicyScope"] == "MessageAttributes"
    assert built.subscription("Filtered")["FilterPolicy"] == {
        "category": ["lab-supplies"],
        "total": [{"numeric": [">", 1000]}],
    }
    assert built.subscription("Body")["FilterPolicyScope"] == "MessageBody"
    assert built.subscription("Body")["FilterPolicy"] == {"order": {"total": [{"numeric": [">", 0]}]}}
    assert built.subscription("NotRaw")["RawMessageDelivery"] is False
    assert "FilterPolicy" not in built.subscription("NotRaw")
    assert built.subscription("L2")["FilterPolicy"] == {"color": ["red"], "size": [{"numeric": [">", 10]}]}
    assert built.subscription("Fn")["Protocol"] == "lambda"
    assert built.subscription("Mail") | {"RedrivePolicy": None} == {
        "Endpoint": "ops@example.com",
        "FilterPolicyScope": "MessageAttributes",  # with or without a policy: tests/fanout/test_filter_scope_updates.py
        "Protocol": "email",
        "RedrivePolicy": None,
        "TopicArn": {"Ref": built.logical_id("Orders/Topic/Resource", "AWS::SNS::Topic")},
    }


def test_https_delivery_policy(built: Built) -> None:
    scm = built.subscription("Scm")
    assert scm["Protocol"] == "https"
    assert scm["Endpoint"] == "https://scm.example.com/orders"
    assert scm["DeliveryPolicy"] == SEED_RETRY


def test_alarms_on_failures_and_every_dlq_with_action(built: Built) -> None:
    alarms = resources_of_type(built.json, "AWS::CloudWatch::Alarm")
    failed = [a for a in alarms.values() if a["Properties"].get("MetricName") == "NumberOfNotificationsFailed"]
    assert len(failed) == 1
    assert failed[0]["Properties"]["Statistic"] == "Sum"
    assert failed[0]["Properties"]["Threshold"] == 0
    assert failed[0]["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
    dlq_alarms = [
        a for a in alarms.values() if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    ]
    dlqs = {
        k for k in resources_of_type(built.json, "AWS::SQS::Queue") if "DeadLetterQueue" in k
    }  # 4 queue DLQs + the subscription DLQ
    assert len(dlqs) == 5
    assert {a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in dlq_alarms} == dlqs
    ops = built.logical_id("Ops/Resource", "AWS::SNS::Topic")
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": ops}]


def test_dashboard_has_the_six_metrics_as_sums(built: Built) -> None:
    (dashboard,) = resources_of_type(built.json, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for metric in FILTERING_METRICS:
        assert f'\\"{metric}\\"' in body
    assert body.count('\\"stat\\":\\"Sum\\"') == 6


def test_route(built: Built) -> None:
    lab = {"category": "lab-supplies", "total": 1500}
    assert built.fanout.route(attributes=lab) == ["Filtered", "NotRaw", "Scm", "Mail"]
    office = {"category": "office-supplies", "color": "red", "size": 11}
    assert built.fanout.route(attributes=office, body={"order": {"total": 3}}) == [
        "Body",
        "NotRaw",
        "L2",
        "Fn",
        "Scm",
        "Mail",
    ]


# ---------------------------------------------------------------------------------------------
# variants and errors


def test_fifo_topic_queues_only() -> None:
    stack = new_stack()
    fifo = FanoutTopic(stack, "Fifo", fifo=True, content_based_deduplication=True)
    fifo.add_queue("Q")
    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::SNS::Topic", {"FifoTopic": True, "ContentBasedDeduplication": True})
    assert all(
        q["Properties"]["FifoQueue"] for q in resources_of_type(dict(template.to_json()), "AWS::SQS::Queue").values()
    )
    with pytest.raises(ButtressError, match="add_function is invalid on a FIFO topic"):
        fifo.add_function("Fn", _function(stack))
    with pytest.raises(ButtressError, match="FIFO"):
        fifo.add_email("Mail", "a@example.com")
    with pytest.raises(ButtressError, match="FIFO"):
        fifo.add_https_endpoint("Web", "https://example.com")


def test_sns_interface_endpoint_in_network() -> None:
    stack = new_stack()
    network = Network(stack, "Network", nat_gateways=1)
    fanout = FanoutTopic(stack, "Topic", vpc=network)
    assert fanout.endpoint is network.interface_endpoints["sns"]
    assert network.has_endpoint("sns")
    assertions.Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".sns"]]},
            "PrivateDnsEnabled": True,
        },
    )


def test_existing_queue_and_shared_dlq() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    mine = sqs.Queue(stack, "Mine", enforce_ssl=True)
    assert fanout.add_queue("Mine", queue=mine) is mine
    fanout.add_queue("A", dead_letter_queue="shared")
    fanout.add_queue("B", dead_letter_queue="shared")
    tpl = dict(assertions.Template.from_stack(stack).to_json())
    shared = [k for k in resources_of_type(tpl, "AWS::SQS::Queue") if k.startswith("TopicSharedQueueDeadLetterQueue")]
    assert len(shared) == 1
    redrives = [
        q.get("Properties", {}).get("RedrivePolicy") for q in resources_of_type(tpl, "AWS::SQS::Queue").values()
    ]
    assert sum(1 for r in redrives if r and r["deadLetterTargetArn"] == {"Fn::GetAtt": [shared[0], "Arn"]}) == 2


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda t, s: t.add_queue("Q", filter_policy={"sport": "rugby"}),
            ["add_queue('Q').filter_policy", "['sport']"],
        ),
        (
            lambda t, s: t.add_queue("Q", filter_policy={"a": {"b": ["c"]}}),
            ["add_queue('Q').filter_policy", "MessageBody"],
        ),
        (
            lambda t, s: t.add_queue("Q", filter_scope="Body"),
            ["add_queue('Q').filter_scope='Body'", "'MessageAttributes', 'MessageBody'"],
        ),
        (
            lambda t, s: t.add_function("F", _function(s), filter_policy={k: ["x"] for k in "abcdef"}),
            ["add_function('F').filter_policy", "6 keys"],
        ),
        (
            lambda t, s: t.add_queue(
                "Q", filter_policy={"b": sns.FilterOrPolicy.filter(sns.SubscriptionFilter.exists_filter())}
            ),
            ["plain dict"],
        ),
        (lambda t, s: t.add_queue("Q", dead_letter_queue="none"), ["dead_letter_queue='none'", "'own', 'shared'"]),
        (lambda t, s: t.add_queue("Q", max_receive_count=0), ["max_receive_count=0", "1 to 1000"]),
        (lambda t, s: t.add_queue("bad id"), ["id_='bad id'"]),
        (lambda t, s: (t.add_email("X", "a@example.com"), t.add_email("X", "b@example.com")), ["id_='X'", "unique"]),
        (lambda t, s: t.add_https_endpoint("W", "http://example.com"), ["url='http://example.com'", "https://"]),
        (
            lambda t, s: t.add_https_endpoint(
                "W", "https://e.com", delivery_policy={"healthyRetryPolicy": {"numRetries": 101}}
            ),
            ["add_https_endpoint('W').delivery_policy", "numRetries=101", "0 to 100"],
        ),
        (lambda t, s: t.add_email("M", "not-an-address"), ["address='not-an-address'"]),
    ],
)
def test_bad_subscriber_input_fails_at_synth(call: Any, words: list[str]) -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    with pytest.raises(ButtressError) as caught:
        call(fanout, stack)
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"service_publishers": ["budgets"]}, ["service_publishers='budgets'", "budgets.amazonaws.com"]),
        ({"service_publishers": ["arn:aws:iam::1:root"]}, ["service_publishers='arn:aws:iam::1:root'"]),
        ({"content_based_deduplication": True}, ["content_based_deduplication=True", "fifo=True"]),
        ({"topic_name": "orders", "fifo": True}, ["topic_name='orders'", ".fifo"]),
        ({"topic_name": "bad name"}, ["topic_name='bad name'"]),
        ({"resource_limit": 501}, ["resource_limit=501", "1 to 500"]),
    ],
)
def test_bad_topic_props(kwargs: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(new_stack(), "Topic", **kwargs)
    for word in words:
        assert word in str(caught.value)


# ---------------------------------------------------------------------------------------------
# CloudFormation's 500-resource limit


def _filtered(i: int) -> dict[str, Any]:
    return {"tenant": [f"t{i}"], "amount": [{"numeric": [">", i]}]}


def test_one_hundred_filtered_queue_subscribers_synthesize() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    for i in range(100):
        fanout.add_queue(f"Q{i}", filter_policy=_filtered(i), dead_letter_queue="shared")
    tpl = dict(assertions.Template.from_stack(stack).to_json())
    assert len(resources_of_type(tpl, "AWS::SNS::Subscription")) == 100
    assert len(tpl["Resources"]) < 500
    assert fanout.route(attributes={"tenant": "t42", "amount": 43}) == ["Q42"]


def test_exceeding_the_resource_limit_fails_early_with_a_clear_message() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    with pytest.raises(ButtressError) as caught:
        for i in range(100):
            fanout.add_queue(f"Q{i}", filter_policy=_filtered(i))  # own DLQ each: 6 resources
    message = str(caught.value)
    assert "CloudFormation allows 500 per stack" in message
    assert "dead_letter_queue='shared'" in message
    # It failed before the stack went over: what exists still deploys.
    assert len(dict(assertions.Template.from_stack(stack).to_json())["Resources"]) <= 500


def test_stack_over_the_limit_fails_synth() -> None:
    stack = new_stack()
    FanoutTopic(stack, "Topic", resource_limit=20)
    for i in range(20):
        sqs.Queue(stack, f"Other{i}", enforce_ssl=True)
    with pytest.raises(Exception, match="CloudFormation allows 20"):
        assertions.Template.from_stack(stack)


# ---------------------------------------------------------------------------------------------
# the construct convention: type checks, modes, options, the vpc prop, metrics


def test_a_string_where_a_list_goes_is_refused_naming_the_construct() -> None:
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(new_stack(), "Topic", service_publishers="budgets.amazonaws.com")
    assert str(caught.value) == (
        "Test/Topic: service_publishers='budgets.amazonaws.com' is invalid: a list of strings, not one string: "
        "write ['budgets.amazonaws.com']"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fifo": "yes"}, "Test/Topic: fifo='yes' is invalid: True or False, not str"),
        ({"resource_limit": "500"}, "Test/Topic: resource_limit='500' is invalid: a whole number (int) from 1 to 500"),
        ({"topic_name": 7}, "Test/Topic: topic_name=7 is invalid: a string, not int"),
        ({"alarm_action": "arn:aws:sns:eu-west-1:1:ops"}, "Test/Topic: alarm_action='arn:aws:sns:eu-west-1:1:ops'"),
        ({"vpc": "vpc-123"}, "Test/Topic: vpc='vpc-123' is invalid: a buttress.Network or an ec2.IVpc"),
    ],
)
def test_topic_prop_type_mistakes(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError) as caught:
        FanoutTopic(new_stack(), "Topic", **kwargs)
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("queue_name", "Other"),
        ("visibility_timeout", Duration.seconds(60)),
        ("max_receive_count", 3),
        ("dead_letter_queue", "shared"),
    ],
)
def test_new_queue_props_with_an_existing_queue_are_errors_naming_the_mode(prop: str, value: Any) -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    mine = sqs.Queue(stack, "Mine", enforce_ssl=True)
    with pytest.raises(ButtressError) as caught:
        fanout.add_queue("Mine", queue=mine, **{prop: value})
    message = str(caught.value)
    # The value as errors.describe renders it (a Duration by its type, not its memory address).
    given = describe(value)
    assert message.startswith(f"Test/Topic: add_queue('Mine').{prop}={given} is invalid: not with queue= "), message
    assert "(subscribing an existing queue)" in message


def test_options_take_the_enum_or_its_string() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    fanout.add_queue("A", dead_letter_queue=DeadLetterQueue.SHARED)
    fanout.add_queue("B", dead_letter_queue="shared")
    fanout.add_queue("C", filter_policy={"o": {"k": ["x"]}}, filter_scope=FilterScope.MESSAGE_BODY)
    assert fanout.shared_dead_letter_queue is not None
    assert fanout.subscribers[0].dead_letter_queue is fanout.shared_dead_letter_queue
    assert fanout.subscribers[1].dead_letter_queue is fanout.shared_dead_letter_queue
    assert fanout.subscribers[2].filter_scope == "MessageBody"
    assert fanout.route(body={"o": {"k": "x"}}) == ["A", "B", "C"]
    with pytest.raises(ButtressError) as caught:
        fanout.add_queue("D", dead_letter_queue="Shared")
    assert str(caught.value).startswith(
        "Test/Topic: add_queue('D').dead_letter_queue='Shared' is invalid: "
        "one of 'own', 'shared' (did you mean 'shared'?)"
    )


def test_dead_letter_queue_takes_a_queue_object() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    fanout.add_queue("A", dead_letter_queue=dlq, max_receive_count=2)
    assert fanout.subscribers[0].dead_letter_queue is dlq
    with pytest.raises(ButtressError, match=r"add_queue\('B'\)\.dead_letter_queue=42 is invalid"):
        fanout.add_queue("B", dead_letter_queue=42)  # type: ignore[arg-type]


def test_a_shared_dead_letter_queue_is_found_by_attribute_not_by_construct_id() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic", alarm_action=cw_actions.SnsAction(sns.Topic(stack, "Ops")))
    # A user's alarm under the id the topic uses for its own: no effect on the shared queue.
    failed = fanout.failed_alarm
    assert failed is not None
    fanout.dead_letter_alarms["SharedQueueDeadLetterQueue"] = failed
    fanout.add_queue("A", dead_letter_queue="shared")
    assert fanout.shared_dead_letter_queue is not None
    assert fanout.dead_letter_alarms["SharedQueueDeadLetterQueue"] is not failed


def test_vpc_takes_any_ivpc() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Plain", max_azs=2, nat_gateways=1)
    fanout = FanoutTopic(stack, "Topic", vpc=vpc)
    assert fanout.endpoint is not None
    assertions.Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".sns"]]},
            "PrivateDnsEnabled": True,
            "VpcId": {"Ref": Match.string_like_regexp("Plain")},
        },
    )


def test_metrics_take_a_keyword_only_period() -> None:
    fanout = FanoutTopic(new_stack(), "Topic")
    assert fanout.metric_notifications_failed().metric_name == "NumberOfNotificationsFailed"
    assert fanout.metric_messages_published().period.to_minutes() == 5
    assert fanout.metric_notifications_delivered(period=Duration.minutes(1)).period.to_minutes() == 1
    assert fanout.metric_notifications_filtered_out().statistic == "Sum"
    assert fanout.metric("NumberOfNotificationsFailed", period=Duration.hours(1)).period.to_hours() == 1
    with pytest.raises(TypeError):
        fanout.metric_notifications_failed(Duration.minutes(1))  # type: ignore[call-arg]


def test_sickly_retry_policy_is_null_or_refused() -> None:
    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    fanout.add_https_endpoint("Ok", "https://e.com", delivery_policy={**SEED_RETRY, "sicklyRetryPolicy": None})
    with pytest.raises(ButtressError) as caught:
        fanout.add_https_endpoint("Sick", "https://e.com", delivery_policy={"sicklyRetryPolicy": {"numRetries": 1000}})
    assert str(caught.value).startswith(
        "Test/Topic: add_https_endpoint('Sick').delivery_policy: sicklyRetryPolicy={'numRetries': 1000} is invalid"
    )


def test_every_alarm_uses_the_alarm_action() -> None:
    stack = new_stack()
    ops = sns.Topic(stack, "Ops")
    fanout = FanoutTopic(stack, "Topic", alarm_action=cw_actions.SnsAction(ops))
    fanout.add_queue("A")
    fanout.add_queue("B", dead_letter_queue="shared")
    alarms = resources_of_type(dict(assertions.Template.from_stack(stack).to_json()), "AWS::CloudWatch::Alarm")
    assert len(alarms) == 4  # failed notifications, subscription DLQ, A's DLQ, the shared DLQ
    ops_id = next(
        k
        for k in resources_of_type(dict(assertions.Template.from_stack(stack).to_json()), "AWS::SNS::Topic")
        if k.startswith("Ops")
    )
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": ops_id}] for alarm in alarms.values())


def test_route_reads_dotted_keys_as_sns_does() -> None:
    from tests.test_filter_policy import DOTTED_CASES

    stack = new_stack()
    fanout = FanoutTopic(stack, "Topic")
    for index, (_case, policy, _body, _receives) in enumerate(DOTTED_CASES):
        fanout.add_queue(f"Q{index}", filter_policy=policy, filter_scope="MessageBody", dead_letter_queue="shared")
    for index, (case, _policy, body, receives) in enumerate(DOTTED_CASES):
        assert (f"Q{index}" in fanout.route(body=body)) is receives, case
