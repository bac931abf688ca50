"""CloudFormation's limits a ``FanoutTopic`` guards as subscribers are added: resources and template bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsii
from aws_cdk import CfnResource, Stack
from constructs import Construct, IValidation

from buttress.errors import ButtressError

#: CloudFormation's limit on a template's size (aws-cdk-lib warns at the same figure).
CFN_TEMPLATE_BYTES = 1_000_000
#: Template bytes budgeted per resource besides filter policies: measured 750-980 (bench/fanout.py),
#: so 500 resources stay near 0.5 MB and filter policies, the one input of unbounded size (SNS takes
#: 256 KB each), are what the byte guard watches.
_BYTES_PER_RESOURCE = 1_000
#: The most resources one subscriber adds (a queue with its own dead-letter queue, first of its kind).
_MAX_SUBSCRIBER_RESOURCES = 10
#: How far below the limit the estimate is trusted without recounting the stack.
_RECOUNT_MARGIN = 60


def stack_resources(scope: Construct) -> int:
    """The CloudFormation resources in ``scope``'s stack (a jsii call per construct: not cheap)."""
    stack = Stack.of(scope)
    return sum(1 for c in stack.node.find_all() if isinstance(c, CfnResource) and Stack.of(c) is stack)


@jsii.implements(IValidation)
class ResourceLimit:
    """Synth-time check of the whole stack (other constructs may add resources after the topic)."""

    def __init__(self, scope: Construct, limit: int) -> None:
        self._scope = scope
        self._limit = limit

    def validate(self) -> list[str]:
        """A message if the stack has more resources than the limit, else none."""
        count = stack_resources(self._scope)
        if count > self._limit:
            return [
                f"stack {Stack.of(self._scope).stack_name} has {count} resources; CloudFormation allows "
                f"{self._limit}: split the subscribers across topics in more than one stack"
            ]
        return []


class StackBudget:
    """What a topic's subscribers add to its stack, checked as each is added so the error names it.

    Counting the stack crosses into jsii for every construct, so the resource count is an estimate
    that each subscriber's cost keeps current, recounted only near the limit (the synth-time
    :class:`ResourceLimit` recounts everything anyway).
    """

    def __init__(self, scope: Construct, limit: int) -> None:
        self._scope = scope
        self._limit = limit
        self._estimate: int | None = None
        self._policy_bytes = 0

    def guard(self, what: str, cost: int) -> None:
        """Count ``cost`` more resources for ``what``, or fail if the stack would pass the limit."""
        if self._estimate is None or self._estimate + cost > self._limit - _RECOUNT_MARGIN:
            self._estimate = stack_resources(self._scope)
        current = self._estimate
        if current + cost > self._limit:
            stack = Stack.of(self._scope)
            raise ButtressError(
                f"{what} would bring stack {stack.node.id} to about {current + cost} resources "
                f"({current} now + {cost} for this subscriber); CloudFormation allows {self._limit} per "
                "stack. Use dead_letter_queue='shared' for queues (3 resources each instead of 6), subscribe "
                "existing queues, or split the subscribers across topics in more than one stack"
            )
        self._estimate = current + cost

    def check_template_bytes(self, prop: str, policy: Mapping[str, Any]) -> None:
        """Fail before the template would pass CloudFormation's 1 MB: filter policies are what can push it."""
        added = policy_template_bytes(policy)
        resources = self._estimate if self._estimate is not None else stack_resources(self._scope)
        resource_bytes = _BYTES_PER_RESOURCE * (resources + _MAX_SUBSCRIBER_RESOURCES)
        estimate = resource_bytes + self._policy_bytes + added
        if estimate > CFN_TEMPLATE_BYTES:
            raise ButtressError(
                f"{prop} ({added:,} bytes in the template) would bring stack {Stack.of(self._scope).node.id}'s "
                f"template to about {estimate:,} bytes ({self._policy_bytes:,} in earlier filter policies, about "
                f"{resource_bytes:,} for {resources} resources); CloudFormation allows {CFN_TEMPLATE_BYTES:,}. "
                "Shorten the filter policies (prefix or anything-but instead of long value lists), or split the "
                "subscribers across topics in more than one stack"
            )

    def add_policy(self, policy: Mapping[str, Any]) -> None:
        """Count a filter policy that is now in the template."""
        self._policy_bytes += policy_template_bytes(policy)


def policy_template_bytes(policy: Mapping[str, Any]) -> int:
    """About the bytes a filter policy takes in the synthesized template.

    aws-cdk-lib writes templates indented by one space per level, and a subscription's filter
    policy sits four levels deep (Resources, resource, Properties, FilterPolicy).
    """
    text = json.dumps(policy, indent=1)
    return len(text.encode("utf-8")) + 4 * text.count("\n")


def policy_json(policy: Mapping[str, Any]) -> str:
    """The compact JSON SNS stores for a filter policy."""
    return json.dumps(policy, separators=(",", ":"))
