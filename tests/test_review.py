"""``buttress-review``: crafted template pairs for every case of the report, no synthesis."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from buttress.tools.assembly import write_assembly
from buttress.tools.review import Review, main, render_markdown, review_templates
from buttress.tools.template_diff import diff_templates
from buttress.tools.widening import iam_widenings, security_group_widenings


def res(type_: str, **props: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": props}


def tpl(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


def review(before: dict[str, Any], after: dict[str, Any], stack: str = "App") -> Review:
    return review_templates({stack: before}, {stack: after})


# -- replacement, removal, rename ----------------------------------------------------------------


def test_create_only_property_replaces_and_the_old_table_is_deleted() -> None:
    before = tpl(Orders=res("AWS::DynamoDB::Table", TableName="orders", BillingMode="PAY_PER_REQUEST"))
    after = tpl(Orders=res("AWS::DynamoDB::Table", TableName="orders-v2", BillingMode="PAY_PER_REQUEST"))
    [change] = diff_templates("App", before, after)
    assert (change.action, change.reasons, change.properties) == (
        "replaced",
        ("`TableName` is create-only",),
        ("TableName",),
    )
    assert change.update_replace_policy == "Delete (default)"
    text = render_markdown(review(before, after))
    caution = text.split("### Summary")[0]
    assert "> [!CAUTION]" in caution and "`Orders`" in caution
    assert "**the old one is deleted, with its data**" in caution


def test_replacement_with_retain_keeps_the_old_one() -> None:
    before = tpl(Q=res("AWS::SQS::Queue", QueueName="jobs"))
    before["Resources"]["Q"].update(UpdateReplacePolicy="Retain", DeletionPolicy="Retain")
    after = copy.deepcopy(before)
    after["Resources"]["Q"]["Properties"]["QueueName"] = "jobs-2"
    text = render_markdown(review(before, after))
    assert "| Retain | Retain | a new, empty one is created; the old one is kept (orphaned) |" in text


def test_mutable_property_is_a_change_not_a_replacement() -> None:
    before = tpl(Q=res("AWS::SQS::Queue", VisibilityTimeout=30))
    after = tpl(Q=res("AWS::SQS::Queue", VisibilityTimeout=60))
    [change] = diff_templates("App", before, after)
    assert change.action == "changed" and not change.loses_resource
    result = review(before, after)
    assert result.stateful_lost == [] and result.triggered() == []
    assert "[!CAUTION]" not in render_markdown(result)


def test_replacement_cascades_through_a_create_only_reference() -> None:
    subnet = res("AWS::EC2::Subnet", VpcId={"Ref": "Vpc"}, CidrBlock="10.0.0.0/24")
    before = tpl(Vpc=res("AWS::EC2::VPC", CidrBlock="10.0.0.0/16"), Sub=subnet)
    after = copy.deepcopy(before)
    after["Resources"]["Vpc"]["Properties"]["CidrBlock"] = "10.1.0.0/16"
    changes = {c.logical_id: c for c in diff_templates("App", before, after)}
    assert changes["Vpc"].reasons == ("`CidrBlock` is create-only",)
    assert changes["Sub"].action == "replaced" and changes["Sub"].reasons == ("`VpcId` refers to Vpc, replaced",)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            {"DeletionPolicy": "Retain"},
            "| Retain | Delete (default) | removed from the stack, kept in the account (orphaned) |",
        ),
        ({"DeletionPolicy": "Delete"}, "| Delete | Delete (default) | **deleted, with its data** |"),
        ({}, "| Delete (default) | Delete (default) | **deleted, with its data** |"),
    ],
)
def test_removal_with_retain_or_delete(policy: dict[str, str], expected: str) -> None:
    before = tpl(Logs=res("AWS::Logs::LogGroup", RetentionInDays=30), Keep=res("AWS::SNS::Topic"))
    before["Resources"]["Logs"].update(policy)
    after = tpl(Keep=res("AWS::SNS::Topic"))
    text = render_markdown(review(before, after))
    assert expected in text
    assert "| App | changed | 0 | 0 | 0 | 1 | - |" in text


def test_logical_id_rename_is_a_removal_and_an_addition() -> None:
    before = tpl(OldBucket=res("AWS::S3::Bucket", VersioningConfiguration={"Status": "Enabled"}))
    before["Resources"]["Policy"] = res("AWS::S3::BucketPolicy", Bucket={"Ref": "OldBucket"}, PolicyDocument={})
    after = tpl(NewBucket=res("AWS::S3::Bucket", VersioningConfiguration={"Status": "Enabled"}))
    after["Resources"]["Policy"] = res("AWS::S3::BucketPolicy", Bucket={"Ref": "NewBucket"}, PolicyDocument={})
    changes = {c.logical_id: c for c in diff_templates("App", before, after)}
    assert changes["OldBucket"].action == "removed"
    assert changes["OldBucket"].reasons == (
        "renamed to NewBucket? CloudFormation deletes this one and creates that one",
    )
    assert changes["NewBucket"].action == "added" and changes["NewBucket"].reasons == ("renamed from OldBucket?",)
    assert changes["Policy"].action == "replaced"  # Bucket is create-only and now names another bucket
    assert [c.logical_id for c in review(before, after).stateful_lost] == ["OldBucket"]


def test_metadata_and_cdk_metadata_are_not_changes() -> None:
    before = tpl(Q=res("AWS::SQS::Queue"), CDKMetadata=res("AWS::CDK::Metadata", Analytics="v2:a"))
    after = copy.deepcopy(before)
    after["Resources"]["Q"]["Metadata"] = {"aws:cdk:path": "App/Other"}
    after["Resources"]["CDKMetadata"]["Properties"]["Analytics"] = "v2:b"
    assert diff_templates("App", before, after) == []


# -- widening --------------------------------------------------------------------------------------


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return res(
        "AWS::IAM::Policy",
        PolicyName="p",
        Roles=[{"Ref": "Role"}],
        PolicyDocument={"Version": "2012-10-17", "Statement": list(statements)},
    )


def test_iam_statement_widened_to_star() -> None:
    narrow = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["B", "Arn"]}, "/*"]]},
    }
    before = tpl(Pol=_policy(narrow))
    after = tpl(Pol=_policy({**narrow, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}))
    [widening] = iam_widenings("App", before, after)
    assert widening.target == "${Role}"
    assert widening.why == "new action(s) s3:putobject; resource `*`"
    result = review(before, after)
    assert result.triggered() == ["widening"]
    assert "| App | iam | `${Role}` | `Allow s3:getobject, s3:putobject on *` |" in render_markdown(result)


def test_iam_narrowing_moving_and_conditions() -> None:
    wide = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    narrow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    assert iam_widenings("App", tpl(Pol=_policy(wide)), tpl(Pol=_policy(narrow))) == []
    # The same statement in another policy of the same role is not a widening.
    assert iam_widenings("App", tpl(Pol=_policy(narrow)), tpl(Other=_policy(narrow))) == []
    conditioned = {**narrow, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    [w] = iam_widenings("App", tpl(Pol=_policy(conditioned)), tpl(Pol=_policy(narrow)))
    assert w.why == "a condition removed"
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    [w] = iam_widenings("App", tpl(Pol=_policy(narrow, deny)), tpl(Pol=_policy(narrow)))
    assert w.why == "Deny statement removed"


def test_public_resource_policy_and_trust() -> None:
    topic_policy = res(
        "AWS::SNS::TopicPolicy",
        Topics=[{"Ref": "T"}],
        PolicyDocument={
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*"}]
        },
    )
    [w] = iam_widenings("App", tpl(), tpl(P=topic_policy))
    assert w.public and w.target == "${T}"
    role = res(
        "AWS::IAM::Role",
        AssumeRolePolicyDocument={
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]
        },
    )
    wider = copy.deepcopy(role)
    wider["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    [w] = iam_widenings("App", tpl(Role=role), tpl(Role=wider))
    assert "(managed policy) arn:aws:iam::aws:policy/administratoraccess" in w.grant


def _sg(*ingress: dict[str, Any], egress: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"GroupDescription": "web", "VpcId": "vpc-1", "SecurityGroupIngress": list(ingress)}
    if egress is not None:
        props["SecurityGroupEgress"] = egress
    return res("AWS::EC2::SecurityGroup", **props)


def test_ingress_opened_to_the_internet() -> None:
    closed = [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]
    private = {"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    before = tpl(Sg=_sg(private, egress=closed))
    after = tpl(Sg=_sg({**private, "CidrIp": "0.0.0.0/0"}, egress=closed))
    [w] = security_group_widenings("App", before, after)
    assert (w.grant, w.why, w.public) == ("ingress tcp 443 from 0.0.0.0/0", "open to the internet", True)
    assert "**public** open to the internet" in render_markdown(review(before, after))


def test_wider_ports_narrower_cidr_and_default_egress() -> None:
    rule = {"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    closed = [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]
    wider = {**rule, "FromPort": 0, "ToPort": 65535}
    [w] = security_group_widenings("App", tpl(Sg=_sg(rule, egress=closed)), tpl(Sg=_sg(wider, egress=closed)))
    assert w.why == "wider than ingress tcp 443 from 10.0.0.0/16"
    narrower = {**rule, "CidrIp": "10.0.1.0/24"}
    assert security_group_widenings("App", tpl(Sg=_sg(rule, egress=closed)), tpl(Sg=_sg(narrower, egress=closed))) == []
    # Dropping every egress rule falls back to CloudFormation's allow-all egress.
    [w] = security_group_widenings("App", tpl(Sg=_sg(rule, egress=closed)), tpl(Sg=_sg(rule)))
    assert w.grant == "egress all traffic to 0.0.0.0/0" and w.public
    standalone = res("AWS::EC2::SecurityGroupIngress", GroupId={"Fn::GetAtt": ["Sg", "GroupId"]}, **wider)
    [w] = security_group_widenings(
        "App", tpl(Sg=_sg(rule, egress=closed)), tpl(Sg=_sg(rule, egress=closed), In=standalone)
    )
    assert w.target == "${Sg}"


# -- cost, identical, findings, exit status --------------------------------------------------------


def test_cost_change_per_stack() -> None:
    before = tpl(Key=res("AWS::KMS::Key"))
    after = tpl(Key=res("AWS::KMS::Key"), Nat=res("AWS::EC2::NatGateway"))
    result = review(before, after)
    assert result.cost_delta == pytest.approx(32.85)
    text = render_markdown(result)
    assert "- **App**: $1.00 → $33.85 (+$32.85/month)" in text
    assert "  - NAT gateway: 0 -> 1 (+$32.85/month)" in text
    assert "| App | changed | 1 | 0 | 0 | 0 | - | $1.00 → $33.85 (+$32.85) |" in text
    assert result.triggered() == ["cost"]


def test_identical_inputs_give_one_line() -> None:
    same = tpl(Q=res("AWS::SQS::Queue"))
    text = render_markdown(
        review_templates({"A": same, "B": same}, {"A": same, "B": same}, base_label="main", head_label="pr")
    )
    assert text.splitlines()[1:] == [
        "## buttress review: `main` → `pr`",
        "",
        "No changes: 2 stack(s), identical resources and findings.",
    ]


def test_outputs_added_and_exports_removed() -> None:
    before = {"Resources": {}, "Outputs": {"Url": {"Value": "a", "Export": {"Name": "Url"}}, "Arn": {"Value": "b"}}}
    after = {"Resources": {}, "Outputs": {"Arn": {"Value": "c"}, "Dns": {"Value": "d"}}}
    result = review(before, after)
    assert result.stacks[0].status == "changed" and not result.identical
    assert (
        "| App | changed | 0 | 0 | 0 | 0 | added: Dns; changed: Arn; removed: Url (export) | $0.00 |"
        in render_markdown(result)
    )


def test_added_and_removed_stacks() -> None:
    result = review_templates({"Old": tpl(B=res("AWS::S3::Bucket"))}, {"New": tpl(Q=res("AWS::SQS::Queue"))})
    assert {s.name: s.status for s in result.stacks} == {"New": "added", "Old": "removed"}
    assert [c.logical_id for c in result.stateful_lost] == ["B"]


def _nag_report(rule: str, path: str) -> dict[str, Any]:
    """The shape aws-cdk-lib 2.275 writes for cdk-nag 3 (recorded from a failing synth)."""
    violation = {
        "ruleName": rule,
        "description": "The S3 Bucket has server access logs disabled.",
        "severity": "error",
        "violatingConstructs": [
            {"constructPath": path, "constructFqn": "aws-cdk-lib.aws_s3.CfnBucket", "libraryVersion": "2.275.0"}
        ],
    }
    report = {"pluginName": "AwsSolutions", "conclusion": "failure", "violations": [violation]}
    return {"version": "55.0.0", "title": "Validation Report", "pluginReports": [report]}


def test_findings_from_the_assembly_and_cfn_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_assembly(tmp_path / "base", {"App": tpl(B=res("AWS::S3::Bucket"))})
    head = write_assembly(tmp_path / "head", {"App": tpl(B=res("AWS::S3::Bucket", Nope=1))})
    (head / "validation-report.json").write_text(json.dumps(_nag_report("AwsSolutions-S1", "App/B/Resource")))
    manifest = json.loads((head / "manifest.json").read_text())
    manifest["artifacts"]["App"]["additionalMetadataFile"] = "App.metadata.json"
    (head / "manifest.json").write_text(json.dumps(manifest))
    ack = {"type": "aws:cdk:acknowledged-rules", "data": {"Annotation::AwsSolutions-S10": "TLS enforced elsewhere"}}
    (head / "App.metadata.json").write_text(json.dumps({"/App/B": [ack]}))
    assert main([str(base), str(head), "--fail-on", "findings"]) == 1
    out = capsys.readouterr().out
    nag = "| added | cdk-nag | App | `App/B/Resource` | `AwsSolutions-S1` |"
    assert f"{nag} The S3 Bucket has server access logs disabled. |" in out
    assert "| added | cdk-nag acknowledged | App | `/App/B` | `AwsSolutions-S10` | TLS enforced elsewhere |" in out
    assert "| added | cfn-lint | App | `Resources/B/Properties/Nope` | `E3002` |" in out
    assert main([str(head), str(base), "--no-cfn-lint", "--fail-on", "none"]) == 0
    out = capsys.readouterr().out
    assert "| removed | cdk-nag | App |" in out and "cfn-lint not run (--no-cfn-lint)." in out
    assert "cfn-lint" not in out.split("### Findings")[1].split("cfn-lint not run")[0]


def test_exit_status_and_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write_assembly(tmp_path / "base", {"App": tpl(B=res("AWS::S3::Bucket", BucketName="a"))})
    head = write_assembly(tmp_path / "head", {"App": tpl(B=res("AWS::S3::Bucket", BucketName="b"))})
    assert main([str(base), str(base)]) == 0
    assert "No changes" in capsys.readouterr().out
    report = tmp_path / "report.md"
    assert main([str(base), str(head), "--no-cfn-lint", "-o", str(report)]) == 1
    captured = capsys.readouterr()
    assert "stateful (exit 1; --fail-on stateful,widening,update)" in captured.err
    assert report.read_text() == captured.out
    assert main([str(base), str(head), "--no-cfn-lint", "--fail-on", "widening"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main([str(base), str(head), "--fail-on", "nothing"])
    assert exc.value.code == 2
    assert (
        "--fail-on: 'nothing': comma-separated of stateful, widening, update, findings, cost, or none"
        in capsys.readouterr().err
    )


def test_unreadable_input_exits_2_naming_the_argument(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_assembly(tmp_path / "good", {"App": tpl()})
    assert main([str(tmp_path / "missing"), str(good)]) == 2
    assert f"BASE {tmp_path / 'missing'}: no such directory" in capsys.readouterr().err
    assert main([str(good), str(tmp_path)]) == 2
    assert f"HEAD {tmp_path}: not a cloud assembly (no manifest.json)" in capsys.readouterr().err
    broken = write_assembly(tmp_path / "broken", {"App": tpl()})
    (broken / "App.template.json").write_text("{not json")
    assert main([str(good), str(broken)]) == 2
    assert f"HEAD {broken}: {broken / 'App.template.json'} is unreadable" in capsys.readouterr().err
    assert main([str(good), str(good), "--cfn-lint-ignore-file", str(tmp_path / "nope.txt")]) == 2
    assert "--cfn-lint-ignore-file" in capsys.readouterr().err


def test_runs_as_buttress_review_module(tmp_path: Path) -> None:
    same = write_assembly(tmp_path / "a", {"App": tpl(Q=res("AWS::SQS::Queue"))})
    proc = subprocess.run(
        [sys.executable, "-m", "buttress.review", str(same), str(same), "--base-label", "main"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "No changes: 1 stack(s)" in proc.stdout
