"""The pure kill-switch planning: selection, engaged and restored states, config, summary, backoff."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from buttress._lambda_src.kill_switch.actions import read_state
from buttress._lambda_src.kill_switch.config import ENVIRONMENT_VARIABLE, Config, Kind
from buttress._lambda_src.kill_switch.plan import (
    Summary,
    Target,
    ecs_cluster_service,
    engaged_state,
    restore_state,
    select,
    tagging_types,
)
from buttress._lambda_src.kill_switch.retry import with_backoff

BASE: dict[str, Any] = {
    "switch_id": "s",
    "budget_name": "Beta",
    "account_id": "111122223333",
    "table_name": "t",
    "summary_topic_arn": "arn:aws:sns:us-east-1:111122223333:ops",
    "tag_key": "Project",
    "tag_value": "Beta",
}
FN = "arn:aws:lambda:us-east-1:111122223333:function:"
SVC = "arn:aws:ecs:us-east-1:111122223333:service/c/"
EC2 = "arn:aws:ec2:us-east-1:111122223333:instance/"


def config(**extra: Any) -> Config:
    return Config.from_json(json.dumps({**BASE, "deny_policy_arn": "arn:aws:iam::111122223333:policy/d", **extra}))


def test_select_by_tag_never_by_name() -> None:
    tagged = [
        (FN + "beta", {"Project": "Beta"}),
        (FN + "Beta-named-but-untagged", {}),
        (FN + "gamma", {"Project": "Gamma"}),
        (FN + "exempt", {"Project": "Beta", "buttress:kill-switch": "exempt"}),
        (FN + "switch", {"Project": "Beta"}),
        (SVC + "web", {"Project": "Beta"}),
        (EC2 + "i-1", {"Project": "Beta"}),
        ("arn:aws:s3:::bucket", {"Project": "Beta"}),
        ("not an arn", {"Project": "Beta"}),
    ]
    result = select(tagged, config(protected_functions=["switch"], iam_groups=["devs", "devs"], iam_roles=["r"]))
    assert [t.ident for t in result.targets] == [FN + "beta", SVC + "web", EC2 + "i-1", "group/devs", "role/r"]
    assert {t.ident.rsplit(":", 1)[-1]: why for t, why in result.excluded} == {
        "Beta-named-but-untagged": "not tagged",
        "gamma": "not tagged",
        "exempt": "exempt tag",
        "switch": "kill-switch function",
    }


def test_select_skips_disabled_kinds() -> None:
    result = select([(FN + "a", {"Project": "Beta"}), (EC2 + "i-1", {"Project": "Beta"})], config(actions=["ec2"]))
    assert [t.kind for t in result.targets] == ["ec2"]
    assert result.excluded[0][1] == "action disabled"


@pytest.mark.parametrize(
    ("kind", "previous", "engaged"),
    [
        ("lambda", {"reserved": None}, {"reserved": 0}),
        ("lambda", {"reserved": 5}, {"reserved": 0}),
        ("lambda", {"reserved": 0}, None),
        ("ec2", {"state": "running"}, {"state": "stopped"}),
        ("ec2", {"state": "pending"}, {"state": "stopped"}),
        ("ec2", {"state": "stopped"}, None),
        ("ec2", {"state": "terminated"}, None),
        ("iam", {"attached": False}, {"attached": True}),
        ("iam", {"attached": True}, None),
        ("ecs", {"desired": 2, "scaling": None}, {"desired": 0, "scaling": None}),
        ("ecs", {"desired": 0, "scaling": None}, None),
    ],
)
def test_engaged_state(kind: Any, previous: dict[str, Any], engaged: dict[str, Any] | None) -> None:
    assert engaged_state(kind, previous) == engaged


def test_ecs_engaged_holds_bounds_and_suspends_scaling() -> None:
    off = {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False, "ScheduledScalingSuspended": False}
    on = dict.fromkeys(off, True)
    engaged = engaged_state(Kind.ECS, {"desired": 0, "scaling": {"min": 1, "max": 4, "suspended": off}})
    assert engaged == {"desired": 0, "scaling": {"min": 0, "max": 0, "suspended": on}}
    assert engaged_state(Kind.ECS, engaged) is None


def test_restore_state_is_the_record() -> None:
    assert restore_state(Kind.LAMBDA, {"reserved": None}) == {"reserved": None}
    assert restore_state(Kind.ECS, {"desired": 3, "scaling": None}) == {"desired": 3, "scaling": None}
    assert restore_state(Kind.EC2, {"state": "running"}) == {"state": "running"}
    assert restore_state(Kind.IAM, {"attached": False}) == {"attached": False}


def test_target_key_round_trip() -> None:
    target = Target(Kind.ECS, SVC + "web")
    assert Target.from_key(target.key) == target
    with pytest.raises(ValueError, match="record key"):
        Target.from_key("s3#bucket")


def test_ecs_old_arn_format_refused() -> None:
    assert ecs_cluster_service(SVC + "web") == ("c", "web")
    with pytest.raises(ValueError, match="old ECS ARN format"):
        ecs_cluster_service("arn:aws:ecs:us-east-1:111122223333:service/web")


def test_config_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="lacks"):
        Config.from_json(json.dumps({**BASE, "tag_key": ""}))
    with pytest.raises(ValueError, match=r"unknown resource kind .redshift.: not one of"):
        config(actions=["lambda", "redshift"])
    with pytest.raises(ValueError, match="deny_policy_arn"):
        Config.from_json(json.dumps(BASE))
    with pytest.raises(ValueError, match="JSON object"):
        Config.from_json("[]")
    assert tagging_types(Config.from_json(json.dumps({**BASE, "actions": ["lambda"]}))) == ["lambda:function"]


def test_summary_subject_and_message() -> None:
    summary = Summary("engage", dry_run=True)
    summary.add("lambda", "changed", FN + "a", "was {}")
    summary.add("lambda", "skipped", FN + "b", "not tagged")
    summary.add("ec2", "failed", EC2 + "i-1", "boom")
    subject = summary.subject("Beta")
    assert subject == "kill-switch engage DRY RUN Beta: 1 changed, 1 failed, 0 deferred"
    assert summary.subject("a\nb\u00e9") == "kill-switch engage DRY RUN a?b?: 1 changed, 1 failed, 0 deferred"
    body = json.loads(summary.message("beta-switch", limit=1))
    assert body["counts"]["lambda"] == {"changed": 1, "skipped": 1, "failed": 0, "deferred": 0}
    assert body["detailsOmitted"] == 1
    assert len(Summary("engage", False).subject("é" * 200)) <= 100


def _throttle() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutFunctionConcurrency")


def test_backoff_retries_throttling_then_succeeds() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _throttle()
        return "ok"

    assert with_backoff(flaky, sleep=waits.append, rand=lambda: 1.0) == "ok"
    assert waits == [0.2, 0.4]


def test_backoff_gives_up_and_never_retries_other_errors() -> None:
    waits: list[float] = []

    def always() -> None:
        raise _throttle()

    with pytest.raises(ClientError):
        with_backoff(always, attempts=4, sleep=waits.append, rand=lambda: 1.0, cap=0.5)
    assert waits == [0.2, 0.4, 0.5]

    def denied() -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "StopInstances")

    with pytest.raises(ClientError):
        with_backoff(denied, sleep=waits.append)
    assert len(waits) == 3


LAMBDA_ONLY = Config.from_json(json.dumps({**BASE, "actions": ["lambda"]}))


def test_config_round_trips_through_the_environment_with_defaults_written_once() -> None:
    config = LAMBDA_ONLY
    environment = config.to_environment()
    assert list(environment) == [ENVIRONMENT_VARIABLE]
    assert Config.from_environment(environment) == config
    assert "protected_functions" not in json.loads(environment[ENVIRONMENT_VARIABLE])
    engage = replace(config, protected_functions=("switch-restore",))
    assert Config.from_environment(engage.to_environment()) == engage
    with pytest.raises(ValueError, match=f"{ENVIRONMENT_VARIABLE} is not set"):
        Config.from_environment({})


def test_unknown_kinds_are_refused_not_treated_as_iam() -> None:
    with pytest.raises(ValueError, match="unknown resource kind 'redshift'"):
        Kind.parse("redshift")
    with pytest.raises(ValueError, match="not a kill-switch record key"):
        Target.from_key("redshift#db-1")
    rogue = Target.__new__(Target)
    object.__setattr__(rogue, "kind", "redshift")
    object.__setattr__(rogue, "ident", "db-1")
    with pytest.raises(ValueError, match="unknown resource kind"):
        engaged_state(rogue.kind, {})
    with pytest.raises(ValueError, match="unknown resource kind"):
        restore_state(rogue.kind, {})
    with pytest.raises(ValueError, match="unknown resource kind"):
        read_state(None, LAMBDA_ONLY, rogue)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown IAM principal type 'team'"):
        read_state(None, LAMBDA_ONLY, Target(Kind.IAM, "team/x"))  # type: ignore[arg-type]
