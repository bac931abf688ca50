"""cdk-nag acknowledgements that match the finding in every environment and with any feature flags.

cdk-nag names a wildcard finding after the *resolved* resource, flattened (its
``flattenCfnReference``): ``arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:...`` in an
environment-agnostic stack, ``arn:aws:ec2:eu-west-1:111122223333:...`` with an explicit env or
other feature flags. Hard-coding one form fails in the others, so buttress always renders the id
from the very token it put in the policy, resolved in the stack it is in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def flatten_reference(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag flattens it into a finding id."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, Mapping):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def resource_finding(scope: IConstruct, resource: str) -> str:
    """The ``Resource::...`` part of an IAM5 finding for ``resource`` (an ARN string or token)."""
    return "Resource::" + flatten_reference(Stack.of(scope).resolve(resource))


def acknowledge(scope: IConstruct, rule: str, reason: str, *, findings: Iterable[str] = ()) -> None:
    """Acknowledge ``rule`` on ``scope`` (and its children); with ``findings``, only those findings."""
    ids = [f"{rule}[{finding}]" for finding in findings] or [rule]
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_ in ids))


def acknowledge_wildcards(
    scope: IConstruct,
    *,
    resources: Mapping[str, str] | None = None,
    actions: Mapping[str, str] | None = None,
) -> None:
    """Acknowledge AwsSolutions-IAM5 for exactly these wildcard resources and actions, each with its reason.

    :param resources: resource (the ARN string or token used in the policy) -> reason.
    :param actions: wildcard action (``"kms:GenerateDataKey*"``) -> reason.
    """
    acks = [
        Acknowledgment(id=f"AwsSolutions-IAM5[{resource_finding(scope, resource)}]", reason=reason)
        for resource, reason in (resources or {}).items()
    ]
    acks += [
        Acknowledgment(id=f"AwsSolutions-IAM5[Action::{action}]", reason=reason)
        for action, reason in (actions or {}).items()
    ]
    if acks:
        Validations.of(scope).acknowledge(*acks)
