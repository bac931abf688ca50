"""FanoutTopic's guards fire before CloudFormation's limits: 500 resources and a 1 MB template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import ButtressError, FanoutTopic
from buttress.fanout import CFN_TEMPLATE_BYTES, policy_template_bytes


def big_policy(i: int, values: int = 140, width: int = 400) -> dict[str, Any]:
    """A valid policy (140 combinations) of about 60 KB."""
    return {"event": [f"{i:03d}-{j:03d}-" + "x" * width for j in range(values)]}


def fill_until_error(topic: FanoutTopic, make_policy: Any, limit: int = 1000) -> tuple[int, str]:
    for i in range(limit):
        try:
            topic.add_https_endpoint(f"Sub{i}", f"https://example.com/{i}", filter_policy=make_policy(i))
        except ButtressError as exc:
            return i, str(exc)
    raise AssertionError("the guard never fired")


def synthesized(app: App, stack: str) -> tuple[int, int]:
    """(resources, template bytes) of a stack as written to the cloud assembly."""
    assembly = app.synth()
    path = Path(assembly.directory) / f"{stack}.template.json"
    return len(json.loads(path.read_text())["Resources"]), path.stat().st_size


def test_byte_guard_fires_before_the_template_reaches_1_mb(tmp_path: Path) -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()}, outdir=str(tmp_path))
    topic = FanoutTopic(Stack(app, "Big"), "Fanout")
    accepted, message = fill_until_error(topic, big_policy)
    assert "1,000,000" in message and "add_https_endpoint('Sub" in message and "filter_policy" in message
    resources, size = synthesized(app, "Big")
    assert size < CFN_TEMPLATE_BYTES
    # The guard is not needlessly early: what was accepted fills most of the megabyte.
    assert size > 0.8 * CFN_TEMPLATE_BYTES, (accepted, size)
    assert resources < 500


def test_policy_bytes_estimate_is_close_to_the_template() -> None:
    policy = big_policy(0)
    compact = len(json.dumps(policy, separators=(",", ":")))
    assert compact < policy_template_bytes(policy) < 1.2 * compact + 2000
