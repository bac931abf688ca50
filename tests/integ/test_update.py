"""``make integ BASE=<ref>``: the stacks deployed from BASE updated in place to the working tree."""

from __future__ import annotations

import pytest

from tests.integ.target import Target

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow]  # the CDK CLI and moto's server


def _updated(target: Target, app: str) -> bool:
    """True if the stack itself ever reached UPDATE_COMPLETE (a later test may roll it back on purpose)."""
    pages = target.client("cloudformation").get_paginator("describe_stack_events").paginate(StackName=target.stack(app))
    return any(
        event["ResourceType"] == "AWS::CloudFormation::Stack" and event["ResourceStatus"] == "UPDATE_COMPLETE"
        for page in pages
        for event in page["StackEvents"]
    )


def test_every_stack_updated_from_base(target: Target) -> None:
    target.require("update.in_place")
    if not target.base:
        pytest.skip("update.in_place: no BASE given (make integ BASE=<git ref>)")
    assert {app: _updated(target, app) for app in target.apps} == dict.fromkeys(target.apps, True)
