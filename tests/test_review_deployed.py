"""``buttress-review --deployed HEAD``: BASE is what CloudFormation has (GetTemplate), with botocore's Stubber."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from buttress.tools import review as review_module
from buttress.tools.assembly import write_assembly
from buttress.tools.review import Deployed, main, review_assemblies


def _table(name: str) -> dict[str, Any]:
    return {"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": name}}}}


def _stubbed(responses: dict[str, Any]) -> tuple[Deployed, Stubber]:
    client = boto3.client(
        "cloudformation", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    stubber = Stubber(client)
    for stack, body in responses.items():
        params = {"StackName": stack, "TemplateStage": "Original"}
        if body is None:
            stubber.add_client_error(
                "get_template", "ValidationError", f"Stack with id {stack} does not exist", expected_params=params
            )
        else:
            stubber.add_response("get_template", {"TemplateBody": json.dumps(body)}, params)
    stubber.activate()
    return Deployed(lambda region: client), stubber


def test_deployed_is_the_base(tmp_path: Path) -> None:
    head = write_assembly(tmp_path / "head", {"Data": _table("orders-v2"), "New": _table("fresh")})
    deployed, stubber = _stubbed({"Data": _table("orders"), "New": None})
    review = review_assemblies(deployed, head, cfn_lint=False)
    stubber.assert_no_pending_responses()
    assert review.base == "deployed"
    assert {s.name: s.status for s in review.stacks} == {"Data": "changed", "New": "added"}
    assert [c.logical_id for c in review.stateful_lost] == ["T"]
    assert "BASE is the deployed stacks (GetTemplate); cdk-nag findings not compared." in review.notes


def test_deployed_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    head = write_assembly(tmp_path / "head", {"Data": _table("orders")})
    client = boto3.client("cloudformation", region_name="eu-west-1", aws_access_key_id="t", aws_secret_access_key="t")
    stubber = Stubber(client)
    stubber.add_client_error("get_template", "AccessDenied", "not authorized to perform GetTemplate")
    stubber.activate()
    monkeypatch.setattr(review_module.Deployed, "with_credentials", staticmethod(lambda: Deployed(lambda r: client)))
    assert main(["--deployed", str(head), "--no-cfn-lint"]) == 2
    assert capsys.readouterr().err == "error: --deployed: GetTemplate Data: not authorized to perform GetTemplate\n"
    assert main(["--deployed", str(head), str(head)]) == 2
    assert "give HEAD only" in capsys.readouterr().err
    assert main([str(head)]) == 2
    assert "give BASE and HEAD (or --deployed HEAD)" in capsys.readouterr().err


def test_deployed_without_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    head = write_assembly(tmp_path / "head", {"Data": _table("orders")})
    assert main(["--deployed", str(head)]) == 2
    assert "--deployed needs AWS credentials" in capsys.readouterr().err
