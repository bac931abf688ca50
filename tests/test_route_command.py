"""``python -m buttress.tools.route`` on the synthesized example app agrees with ``FanoutTopic.route``."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from buttress.tools.route import RouteError, main, route_template
from tests.harness import REPO, SynthResult
from tests.test_fanout_scenarios import PROCUREMENT_ROUTES


def _flags(attributes: dict[str, Any]) -> list[str]:
    flags = []
    for name, attribute in attributes.items():
        flag = "-n" if attribute["DataType"] == "Number" else "-a"
        flags += [flag, f"{name}={attribute['StringValue']}"]
    return flags


@pytest.mark.parametrize(
    ("label", "attributes", "expected"), PROCUREMENT_ROUTES, ids=[r[0] for r in PROCUREMENT_ROUTES]
)
def test_command_answers_the_seed_routes(
    synth: SynthResult, capsys: pytest.CaptureFixture[str], label: str, attributes: dict[str, Any], expected: list[str]
) -> None:
    argv = ["--cdk-out", str(synth.outdir), "--stack", "ButtressProcurement", "--json", *_flags(attributes)]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == expected


def test_table_output(synth: SynthResult, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--cdk-out", str(synth.outdir), "--stack", "ButtressProcurement", "-a", "category=lab-supplies"]
    assert main([*argv, "-n", "amount_usd=415"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ButtressProcurement: category=lab-supplies (String), amount_usd=415 (Number)"
    assert [line.split()[1] for line in out[1:-1] if line.startswith("  ->")] == ["Lab-Preapproved"]
    assert len(out) == 7
    assert out[-1] == "1 of 5 subscriptions receive it: Lab-Preapproved"


def test_car_dealer_and_attributes_json(synth: SynthResult, capsys: pytest.CaptureFixture[str]) -> None:
    vip = json.dumps({"buyer-class": {"DataType": "String", "StringValue": "vip"}})
    argv = ["--cdk-out", str(synth.outdir), "--stack", "ButtressCarDealer", "--attributes", vip, "--json"]
    assert main(argv) == 0
    assert sorted(json.loads(capsys.readouterr().out)) == ["CRM-Integration", "ERP-Integration", "SCM-System"]


def test_template_file_and_body_scope(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    template = {
        "Resources": {
            "T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "Events"}},
            "S1": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "T"},
                    "Protocol": "sqs",
                    "FilterPolicy": json.dumps({"order": {"total": [{"numeric": [">", 10]}]}}),
                    "FilterPolicyScope": "MessageBody",
                },
            },
            "S2": {"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": "Other"}, "Protocol": "sqs"}},
        }
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template))
    assert main(["--template", str(path), "--body", '{"order": {"total": 11}}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == ["S1"]
    assert main(["--template", str(path), "-l", "tags=a,b", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stack", "Nope"], "'Nope' is not in"),
        (["--stack", "ButtressProcurement", "-n", "amount_usd=lots"], "not a number"),
        (["--stack", "ButtressProcurement", "-a", "category"], "expected name=value"),
        (["--stack", "ButtressProcurement", "--topic", "Car-Sales"], "topic 'Car-Sales' is not in the template"),
        (["--stack", "ButtressNetwork"], "no SNS topic"),
    ],
)
def test_errors(synth: SynthResult, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["--cdk-out", str(synth.outdir), *argv]) == 2
    assert message in capsys.readouterr().err


def test_missing_cloud_assembly(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cdk-out", str(tmp_path), "--stack", "X"]) == 2
    err = capsys.readouterr().err
    assert f"--cdk-out {tmp_path}: not a cloud assembly (no manifest.json)" in err
    assert f"`cdk synth --output {tmp_path}`" in err and "make" not in err
    assert main(["--cdk-out", str(tmp_path / "nope"), "--stack", "X"]) == 2
    assert f"--cdk-out {tmp_path / 'nope'}: no such directory" in capsys.readouterr().err


def test_stack_is_required_with_an_assembly(synth: SynthResult, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cdk-out", str(synth.outdir), "-a", "x=1"]) == 2
    assert "--stack is required with --cdk-out: one of ButtressCarDealer" in capsys.readouterr().err


def test_several_topics_need_a_choice() -> None:
    template = {"Resources": {"A": {"Type": "AWS::SNS::Topic"}, "B": {"Type": "AWS::SNS::Topic"}}}
    with pytest.raises(RouteError, match="several topics"):
        route_template(template)


def test_runs_as_a_module(synth: SynthResult) -> None:
    argv = ["--cdk-out", str(synth.outdir), "--stack", "ButtressProcurement", "-a", "category=tech-supplies"]
    result = subprocess.run(
        [sys.executable, "-m", "buttress.tools.route", *argv, "-n", "amount_usd=2400", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == ["Common-Orders"]


def test_dotted_keys_agree_with_matches(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_filter_policy import DOTTED_CASES

    resources: dict[str, Any] = {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "Events"}}}
    for index, (_case, policy, _body, _receives) in enumerate(DOTTED_CASES):
        resources[f"S{index}"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "T"},
                "Protocol": "sqs",
                "FilterPolicy": policy,
                "FilterPolicyScope": "MessageBody",
            },
        }
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": resources}))
    for index, (case, _policy, body, receives) in enumerate(DOTTED_CASES):
        assert main(["--template", str(path), "--body", json.dumps(body), "--json"]) == 0
        assert (f"S{index}" in json.loads(capsys.readouterr().out)) is receives, case


def test_a_fanout_topic_beside_plain_topics_is_the_default() -> None:
    template = {
        "Resources": {
            "Ops": {"Type": "AWS::SNS::Topic"},
            "T": {"Type": "AWS::SNS::Topic", "Metadata": {"buttress:topic": "Orders"}},
            "S": {"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": "T"}, "Protocol": "sqs"}},
        }
    }
    assert [r.subscriber for r in route_template(template)] == ["S"]
