"""The organization-wide stop: a deny-all-but-break-glass service control policy that the engage
function attaches to ``scp_targets`` and the restore function detaches where it attached it.

The policy is created unattached (``AWS::Organizations::Policy`` without ``TargetIds``): only the
switch attaches it. The stack must be deployed in the Organizations management account or a
delegated administrator for policy management, with service control policies enabled; SCPs never
restrict the management account itself
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html;
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-organizations-policy.html:
"called only from the organization's management account or a member account designated as a
delegated administrator", with the policy type enabled first).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from buttress.parts.nag import acknowledge_wildcards

#: Organizations evaluates this condition key on AttachPolicy, DetachPolicy and ListTargetsForPolicy
#: (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html).
_SCP_ONLY = {"StringEquals": {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}}


def scp_policy(scope: Construct, *, name: str, break_glass_role: str) -> organizations.CfnPolicy:
    """Deny every action to every principal of the targets except the break-glass role (by name,
    in any target account); created unattached."""
    stack = Stack.of(scope)
    content = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "KillSwitchDenyAllButBreakGlass",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {
                    "ArnNotLike": {"aws:PrincipalArn": f"arn:{stack.partition}:iam::*:role/{break_glass_role}"}
                },
            }
        ],
    }
    return organizations.CfnPolicy(
        scope,
        "ServiceControlPolicy",
        name=name[:128],
        type="SERVICE_CONTROL_POLICY",
        description=f"buttress kill-switch: attached by the switch on a breach; {break_glass_role} is never denied",
        content=content,
    )


def _target_arns(stack: Stack, targets: Sequence[str]) -> list[str]:
    """The targets' ARNs, the management account and organization id left as wildcards: a
    delegated administrator deploys this in another account than the management one."""
    return [
        f"arn:{stack.partition}:organizations::*:{'ou' if t.startswith('ou-') else 'account'}/o-*/{t}" for t in targets
    ]


def grant(
    engage: lambda_.Function, restore: lambda_.Function, policy: organizations.CfnPolicy, targets: Sequence[str]
) -> None:
    """Engage: read where the policy is attached and attach it; restore: detach it; each on the
    switch's policy and the named targets only, SCPs only."""
    stack = Stack.of(engage)
    arns = _target_arns(stack, targets)
    for function, sid, actions, resources in (
        (engage, "ReadScpTargets", ["organizations:ListTargetsForPolicy"], [policy.attr_arn]),
        (engage, "AttachScp", ["organizations:AttachPolicy"], [policy.attr_arn, *arns]),
        (restore, "DetachScp", ["organizations:DetachPolicy"], [policy.attr_arn, *arns]),
    ):
        function.add_to_role_policy(
            iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=_SCP_ONLY)
        )
    for function in (engage, restore):
        role = function.role
        assert role is not None
        acknowledge_wildcards(
            role,
            resources={
                arn: "this target of scp_targets in whichever organization and management account it belongs to "
                "(a delegated administrator deploys the switch outside the management account); SCPs only"
                for arn in arns
            },
        )
