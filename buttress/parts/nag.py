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


#: cdk-nag pack names (the prefix of their rule ids) and the cfn-guard plugin's name.
AWS_SOLUTIONS = "AwsSolutions"
NIST = "NIST.800.53.R5"
HIPAA = "HIPAA.Security"
PCI = "PCI.DSS.321"
SERVERLESS = "Serverless"
GUARD = "cdk-validator-cfnguard"

#: cdk-nag rule (the id after the pack prefix) -> the packs that have it, for the rules buttress's
#: resources meet. A rule not listed here is an error in :func:`acknowledge_rule`, so an
#: acknowledgement never silently names a rule that no pack has.
PACKS_OF_RULE: Mapping[str, tuple[str, ...]] = {
    "ALBHttpToHttpsRedirection": (NIST, HIPAA, PCI),
    "ALBWAFEnabled": (NIST, PCI),
    "CloudWatchAlarmAction": (NIST, HIPAA),
    "CloudWatchLogGroupEncrypted": (NIST, HIPAA, PCI),
    "CodeBuildProjectSourceRepoUrl": (HIPAA, PCI),
    "DynamoDBInBackupPlan": (NIST, HIPAA),
    "ELBDeletionProtectionEnabled": (NIST, HIPAA),
    "EventBusDLQ": (SERVERLESS,),
    "ELBv2ACMCertificateRequired": (NIST, HIPAA, PCI),
    "IAMGroupHasUsers": (HIPAA, PCI),
    "IAMNoInlinePolicy": (NIST, HIPAA, PCI),
    "LambdaConcurrency": (NIST, HIPAA),
    "LambdaDLQ": (NIST, HIPAA, SERVERLESS),
    "LambdaInsideVPC": (NIST, HIPAA, PCI),
    "LambdaTracing": (SERVERLESS,),
    "S3BucketLoggingEnabled": (NIST, HIPAA, PCI),
    "S3BucketReplicationEnabled": (NIST, HIPAA, PCI),
    "S3BucketVersioningEnabled": (NIST, HIPAA, PCI),
    "S3DefaultEncryptionKMS": (NIST, HIPAA, PCI),
    "SNSRedrivePolicy": (SERVERLESS,),
    "SQSRedrivePolicy": (SERVERLESS,),
    "VPCNoUnrestrictedRouteToIGW": (NIST, HIPAA, PCI),
    "VPCSubnetAutoAssignPublicIpDisabled": (NIST, HIPAA, PCI),
}


def rule_ids(rule: str, *, guard: Iterable[str] = ()) -> list[str]:
    """The acknowledgement ids of cdk-nag ``rule`` in every pack that has it, and of the cfn-guard ``guard`` rules."""
    if rule and rule not in PACKS_OF_RULE:
        raise ValueError(f"unknown cdk-nag rule {rule!r}: add the packs that have it to PACKS_OF_RULE")
    ids = [f"{pack}-{rule}" for pack in PACKS_OF_RULE.get(rule, ())]
    return ids + [f"{GUARD}::{name}" for name in guard]


def acknowledge_rule(scope: IConstruct, rule: str, reason: str, *, guard: Iterable[str] = ()) -> None:
    """Acknowledge, on ``scope`` only, cdk-nag ``rule`` in every pack and the matching cfn-guard rules.

    :param rule: the rule id after the pack prefix (``"CloudWatchLogGroupEncrypted"``), or ``""``
        for cfn-guard rules only.
    :param guard: Control Tower rule names as cfn-guard reports them
        (``"cloudwatch_log_group_encrypted_check"``).

    The ids carry no resource name, so they match with and without an explicit environment.
    """
    ids = rule_ids(rule, guard=guard)
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_ in ids))
