"""``buttress-review`` where a deploy loses data or fails although the diff looks plain (issue 24).

Each case is a crafted template change judged against the CloudFormation resource reference's
"Update requires" line; the snapshot shapes come from the synthesized example stacks.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from buttress.tools.assembly import write_assembly
from buttress.tools.review import main, render_markdown, review_templates
from buttress.tools.template_diff import (
    CONDITIONAL,
    MAY_REPLACE,
    SERVICE_REPLACED,
    TRAFFIC_SHIFTING,
    UPDATE_FAILS,
    TemplateError,
    diff_templates,
)
from tests.harness import REPO

SNAPSHOTS = REPO / "tests" / "__snapshots__" / "test_example_templates"


def res(type_: str, **props: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": props}


def tpl(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


def _one(before: dict[str, Any], after: dict[str, Any], logical_id: str) -> Any:
    return {c.logical_id: c for c in diff_templates("App", before, after)}[logical_id]


# -- 1. conditionalCreateOnlyProperties ------------------------------------------------------------


def test_dynamodb_key_schema_change_may_replace_the_table_and_fails_the_review() -> None:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    before = tpl(T=res("AWS::DynamoDB::Table", KeySchema=keys, BillingMode="PAY_PER_REQUEST"))
    after = copy.deepcopy(before)
    after["Resources"]["T"]["Properties"]["KeySchema"] = [{"AttributeName": "id", "KeyType": "HASH"}]
    change = _one(before, after, "T")
    assert change.action == "changed" and [k.kind for k in change.cautions] == [MAY_REPLACE]
    assert "`KeySchema` replaces the resource in some cases" in change.cautions[0].why
    result = review_templates({"App": before}, {"App": after})
    assert [c.logical_id for c in result.stateful_lost] == ["T"] and result.triggered() == ["stateful"]
    text = render_markdown(result)
    assert "| App | `T` | `AWS::DynamoDB::Table` | may be replaced | `KeySchema` replaces" in text
    assert "**1 stateful resource(s) replaced, removed, or that may be replaced or deleted.**" in text
    assert "if replaced: a new one is created and **the old one is deleted, with its data**" in text


@pytest.mark.parametrize(
    ("type_", "prop", "old", "new"),
    [
        ("AWS::EC2::VPC", "InstanceTenancy", "default", "dedicated"),
        ("AWS::ECS::Service", "LaunchType", "FARGATE", "EC2"),
    ],
)
def test_conditional_create_only_vpc_and_ecs_service(type_: str, prop: str, old: str, new: str) -> None:
    change = _one(tpl(R=res(type_, **{prop: old})), tpl(R=res(type_, **{prop: new})), "R")
    assert [(k.kind, k.why.split(" ")[0]) for k in change.cautions] == [(MAY_REPLACE, f"`{prop}`")]


def test_spot_on_replaces_the_service_launch_type_removed() -> None:
    before = tpl(S=res("AWS::ECS::Service", LaunchType="FARGATE", Cluster="c"))
    after = tpl(
        S=res("AWS::ECS::Service", Cluster="c", CapacityProviderStrategy=[{"CapacityProvider": "FARGATE_SPOT"}])
    )
    change = _one(before, after, "S")
    assert change.action == "replaced"
    assert change.reasons == ("`LaunchType` added or removed (spot turned on or off): the service is replaced",)
    # The "may be replaced" caution is superseded by the replacement, which the report names.
    assert [k.kind for k in change.cautions] == [SERVICE_REPLACED]
    text = render_markdown(review_templates({"App": before}, {"App": after}))
    assert "| service replaced | turning spot on or off replaces the ECS service" in text.split("### Summary")[0]


# -- 2. the cascade follows ${Id} in Fn::Sub -------------------------------------------------------


def test_replacement_cascades_through_fn_sub() -> None:
    permission = res(
        "AWS::Lambda::Permission",
        Action="lambda:InvokeFunction",
        FunctionName="f",
        Principal="sns.amazonaws.com",
        SourceArn={"Fn::Sub": "${Topic}"},
    )
    before = tpl(Topic=res("AWS::SNS::Topic", TopicName="a"), Perm=permission)
    after = copy.deepcopy(before)
    after["Resources"]["Topic"]["Properties"]["TopicName"] = "b"
    change = _one(before, after, "Perm")
    assert (change.action, change.reasons) == ("replaced", ("`SourceArn` refers to Topic, replaced",))
    # ${!Literal}, pseudo parameters and the Fn::Sub's own variables are not references.
    literal = copy.deepcopy(before)
    literal["Resources"]["Perm"]["Properties"]["SourceArn"] = {
        "Fn::Sub": ["${!Topic}:${AWS::Region}:${Topic}", {"Topic": "x"}]
    }
    changed = copy.deepcopy(literal)
    changed["Resources"]["Topic"]["Properties"]["TopicName"] = "b"
    assert [c.logical_id for c in diff_templates("App", literal, changed)] == ["Topic"]


# -- 6. custom resources ---------------------------------------------------------------------------


@pytest.mark.parametrize("type_", ["Custom::Seed", "AWS::CloudFormation::CustomResource"])
def test_custom_resource_change_may_be_replaced(type_: str) -> None:
    before = tpl(C=res(type_, ServiceToken="arn:aws:lambda:::function:f", Size=1))
    after = tpl(C=res(type_, ServiceToken="arn:aws:lambda:::function:f", Size=2))
    [caution] = _one(before, after, "C").cautions
    assert caution.kind == MAY_REPLACE and caution.why.startswith("a custom resource: its provider decides")
    assert "| may be replaced | a custom resource" in render_markdown(review_templates({"A": before}, {"A": after}))


# -- 7. a Condition on a stateful resource, a KMS key spec -----------------------------------------


def test_condition_added_to_a_stateful_resource() -> None:
    before = tpl(B=res("AWS::S3::Bucket"))
    after = copy.deepcopy(before)
    after["Resources"]["B"]["Condition"] = "IsProd"
    change = _one(before, after, "B")
    assert [k.kind for k in change.cautions] == [CONDITIONAL]
    result = review_templates({"App": before}, {"App": after})
    assert result.triggered() == ["stateful"]
    text = render_markdown(result)
    assert "| may be deleted | `Condition: IsProd` set: CloudFormation deletes the resource wherever IsProd" in text
    assert "where the condition is false: **deleted, with its data**" in text


@pytest.mark.parametrize(
    ("prop", "old", "new"), [("KeySpec", None, "RSA_2048"), ("KeyUsage", "ENCRYPT_DECRYPT", "SIGN_VERIFY")]
)
def test_kms_key_spec_or_usage_change_fails_the_update(prop: str, old: str | None, new: str) -> None:
    before = tpl(K=res("AWS::KMS::Key", **({prop: old} if old else {})))
    after = tpl(K=res("AWS::KMS::Key", **{prop: new}))
    [caution] = _one(before, after, "K").cautions
    assert (caution.kind, caution.why) == (
        UPDATE_FAILS,
        f"`{prop}` of a KMS key cannot change: CloudFormation fails the update",
    )
    result = review_templates({"App": before}, {"App": after})
    assert result.triggered() == ["update"]
    assert "| update fails | `" + prop in render_markdown(result)


# -- 8. update-time failures -----------------------------------------------------------------------


def test_replacing_a_custom_named_resource_fails_with_the_way_through() -> None:
    before = tpl(Q=res("AWS::SQS::Queue", QueueName="jobs.fifo", FifoQueue=True))
    after = tpl(Q=res("AWS::SQS::Queue", QueueName="jobs.fifo", FifoQueue=False))
    change = _one(before, after, "Q")
    assert change.action == "replaced"
    [caution] = change.cautions
    assert caution.kind == UPDATE_FAILS and "custom name (`QueueName`)" in caution.why
    assert caution.fix == "change `QueueName` in the same change, or remove it so CloudFormation generates a name"
    # Changing the name with it is the way through: no caution.
    renamed = tpl(Q=res("AWS::SQS::Queue", QueueName="jobs-2", FifoQueue=False))
    assert _one(tpl(Q=res("AWS::SQS::Queue", QueueName="jobs", FifoQueue=True)), renamed, "Q").cautions == ()


def test_custom_named_resource_replaced_by_cascade() -> None:
    before = tpl(
        Vpc=res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"),
        Sg=res("AWS::EC2::SecurityGroup", GroupName="web", GroupDescription="web", VpcId={"Ref": "Vpc"}),
    )
    after = copy.deepcopy(before)
    after["Resources"]["Vpc"]["Properties"]["CidrBlock"] = "10.1.0.0/16"
    change = _one(before, after, "Sg")
    assert change.action == "replaced" and [k.kind for k in change.cautions] == [UPDATE_FAILS]


def test_filter_policy_scope_removed() -> None:
    sub = res(
        "AWS::SNS::Subscription",
        TopicArn="t",
        Protocol="sqs",
        Endpoint="q",
        FilterPolicy={"a": ["b"]},
        FilterPolicyScope="MessageBody",
    )
    after = copy.deepcopy(sub)
    del after["Properties"]["FilterPolicyScope"]
    [caution] = _one(tpl(S=sub), tpl(S=after), "S").cautions
    assert caution.kind == UPDATE_FAILS and caution.fix.startswith("set `FilterPolicyScope: MessageAttributes`")


# -- issue 27: traffic-shifting listener rules -----------------------------------------------------


def _web_service() -> dict[str, Any]:
    path = SNAPSHOTS / "test_snapshot[ButtressWebService].json"
    template: dict[str, Any] = json.loads(path.read_text())
    return template


def test_traffic_shifting_rule_changed_is_an_update_trap() -> None:
    before = _web_service()  # the api service deploys by canary: ApiProductionRule, ApiTestRule, the test listener
    after = copy.deepcopy(before)
    for logical_id in ("ApiProductionRule07775980", "ApiTestRule3431DD5A"):
        after["Resources"][logical_id]["Properties"]["Conditions"][0]["PathPatternConfig"]["Values"] = ["/v2/*"]
    after["Resources"]["ApiLoadBalancerTestListenerA1088B6A"]["Properties"]["Port"] = 8081
    after["Resources"]["DocsListenerRule4B1AAACF"]["Properties"]["Priority"] = 11  # a rule no deployment shifts
    changes = {c.logical_id: c for c in diff_templates("Web", before, after)}
    shifting = {k for k, c in changes.items() if any(x.kind == TRAFFIC_SHIFTING for x in c.cautions)}
    assert shifting == {"ApiProductionRule07775980", "ApiTestRule3431DD5A", "ApiLoadBalancerTestListenerA1088B6A"}
    result = review_templates({"Web": before}, {"Web": after})
    assert "update" in result.triggered()
    # A rule the service names that forwards to one target group is not one ECS shifts.
    single = copy.deepcopy(before)
    single["Resources"]["ApiTestRule3431DD5A"]["Properties"]["Actions"] = [
        {"Type": "forward", "TargetGroupArn": {"Ref": "ApiTargetGroup54BFE075"}}
    ]
    changed = copy.deepcopy(single)
    changed["Resources"]["ApiTestRule3431DD5A"]["Properties"]["Priority"] = 2
    [change] = diff_templates("Web", single, changed)
    assert change.cautions == ()
    assert "| traffic shifting | ECS (ApiServiceD5B4A50A) swaps this rule's target-group weights" in render_markdown(
        result
    )


# -- 10. malformed templates: exit 2, one line -------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ([], "not a CloudFormation template (a list, not an object)"),
        ({"Resources": []}, "`Resources` is a list, not an object"),
        ({"Resources": {"Q": "AWS::SQS::Queue"}}, "resource Q is a str, not an object"),
        ({"Resources": {"Q": {"Properties": {}}}}, "resource Q has no `Type` string"),
        (
            {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": []}}},
            "resource Q: `Properties` is not an object",
        ),
    ],
)
def test_malformed_template_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: Any, message: str
) -> None:
    good = write_assembly(tmp_path / "good", {"App": tpl(Q=res("AWS::SQS::Queue"))})
    bad = write_assembly(tmp_path / "bad", {"App": tpl()})
    (bad / "App.template.json").write_text(json.dumps(template))
    assert main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: HEAD {bad}: stack App: {message}\n"
    with pytest.raises(TemplateError, match=re.escape(message)):
        review_templates({"App": tpl()}, {"App": template})


# -- 9. nested cloud assemblies (stages) ------------------------------------------------------------


def _with_stage(folder: Path, stage_templates: dict[str, Any]) -> Path:
    """An assembly with no top-level stack and one stage ``Prod`` (the shape ``cdk synth`` writes)."""
    root = write_assembly(folder, {})
    write_assembly(root / "assembly-Prod", stage_templates)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["artifacts"]["assembly-Prod"] = {
        "type": "cdk:cloud-assembly",
        "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"},
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def test_a_replacement_inside_a_stage_is_reviewed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _with_stage(tmp_path / "base", {"ProdData": tpl(T=res("AWS::DynamoDB::Table", TableName="a"))})
    head = _with_stage(tmp_path / "head", {"ProdData": tpl(T=res("AWS::DynamoDB::Table", TableName="b"))})
    assert main([str(base), str(head), "--no-cfn-lint"]) == 1
    out = capsys.readouterr().out
    assert "| Prod/ProdData | `T` | `AWS::DynamoDB::Table` | replaced | `TableName` is create-only |" in out
    # A stage whose folder is missing is bad input, named.
    manifest = json.loads((head / "manifest.json").read_text())
    manifest["artifacts"]["assembly-Prod"]["properties"]["directoryName"] = "assembly-Gone"
    (head / "manifest.json").write_text(json.dumps(manifest))
    assert main([str(base), str(head), "--no-cfn-lint"]) == 2
    assert f"HEAD {head / 'assembly-Gone'}: no such directory" in capsys.readouterr().err


def test_an_unexpected_failure_exits_2_not_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 1 means a risky change: a traceback (Python's exit 1) must never look like one."""
    good = write_assembly(tmp_path / "good", {"App": tpl(Q=res("AWS::SQS::Queue"))})

    def broken(*args: object, **kwargs: object) -> None:
        raise AttributeError("'str' object has no attribute 'get'")

    monkeypatch.setattr("buttress.tools.review.review_assemblies", broken)
    assert main([str(good), str(good)]) == 2
    assert capsys.readouterr().err == (
        "error: buttress-review cannot read this input (please report it): "
        "AttributeError(\"'str' object has no attribute 'get'\")\n"
    )


def test_odd_intrinsic_values_do_not_crash_the_widening() -> None:
    policy = res(
        "AWS::IAM::Policy",
        Roles=[{"Fn::GetAtt": ["Role", {"Ref": "Attr"}]}],
        PolicyDocument={"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::GetAtt": [1, None]}}]},
    )
    [w] = review_templates({"App": tpl()}, {"App": tpl(P=policy)}).widenings
    assert w.target == "${Role.${Attr}}" and w.grant == "Allow s3:* on ${1.null}"
