"""The engage and restore functions' IAM statements, and the wildcards they cannot avoid, explained.

One statement per need, tag-conditioned wherever the API evaluates ``aws:ResourceTag``; the
resource patterns cover every region the switch acts in, IAM ARNs stay global.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from buttress.parts.nag import acknowledge_wildcards
from buttress.rules.kill_switch import KillSwitchProps


def _arn(stack: Stack, service: str, resource: str, *, region: bool | str = True) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``: ``region`` True for the stack's,
    a region name for another, False for none (IAM)."""
    where = stack.region if region is True else (region or "")
    return f"arn:{stack.partition}:{service}:{where}:{stack.account}:{resource}"


def _arns(stack: Stack, regions: Sequence[str], service: str, resource: str) -> list[str]:
    """The ARN pattern in each region the switch acts in (the stack's own when none are given)."""
    return [_arn(stack, service, resource, region=region) for region in regions or (True,)]


#: The Auto Scaling group ARN pattern (``autoScalingGroup:<uuid>:autoScalingGroupName/<name>``).
_ASG_ARN = "autoScalingGroup:*:autoScalingGroupName/*"
_ASG_ACTIONS = ("autoscaling:SuspendProcesses", "autoscaling:UpdateAutoScalingGroup", "autoscaling:ResumeProcesses")
#: kind, statement id, read action (engage), engage actions, restore actions, service, resource.
_MORE_KINDS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], str, str], ...] = (
    (
        "rds",
        "TaggedDatabases",
        "rds:DescribeDBInstances",
        ("rds:StopDBInstance",),
        ("rds:StartDBInstance",),
        "rds",
        "db:*",
    ),
    (
        "rds-cluster",
        "TaggedClusters",
        "rds:DescribeDBClusters",
        ("rds:StopDBCluster",),
        ("rds:StartDBCluster",),
        "rds",
        "cluster:*",
    ),
    (
        "asg",
        "TaggedGroups",
        "autoscaling:DescribeAutoScalingGroups",
        _ASG_ACTIONS,
        _ASG_ACTIONS,
        "autoscaling",
        _ASG_ARN,
    ),
    (
        "sagemaker",
        "TaggedNotebooks",
        "sagemaker:DescribeNotebookInstance",
        ("sagemaker:StopNotebookInstance",),
        ("sagemaker:StartNotebookInstance",),
        "sagemaker",
        "notebook-instance/*",
    ),
    (
        "eks-nodegroup",
        "TaggedNodeGroups",
        "eks:DescribeNodegroup",
        ("eks:UpdateNodegroupConfig",),
        ("eks:UpdateNodegroupConfig",),
        "eks",
        "nodegroup/*",
    ),
    (
        "apprunner",
        "TaggedAppRunnerServices",
        "apprunner:DescribeService",
        ("apprunner:PauseService",),
        ("apprunner:ResumeService",),
        "apprunner",
        "service/*",
    ),
)


class Statements:
    """The engage and restore functions' policy statements, for the kinds the functions act on.

    ``deny_policy`` is the switch's deny policy (``None`` without IAM principals); the functions
    attach and detach it only when AWS Budgets does not (``native_iam_action``).
    """

    def __init__(self, stack: Stack, deny_policy: iam.ManagedPolicy | None, checked: KillSwitchProps) -> None:
        self._stack = stack
        self._kinds = set(checked.function_actions)
        self._tagged = {"StringEquals": {f"aws:ResourceTag/{checked.tag_key}": checked.tag_value}}
        self._policy = deny_policy if "iam" in self._kinds else None
        self._principals = checked.principals
        self._regions = checked.regions

    def _tag_conditioned(self, sid: str, actions: list[str], service: str, resource: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid=sid,
            actions=actions,
            resources=_arns(self._stack, self._regions, service, resource),
            conditions=self._tagged,
        )

    def engage(self) -> list[iam.PolicyStatement]:
        """Find the tagged resources, record their state, stop them (and attach the deny policy)."""
        out: list[iam.PolicyStatement] = []
        if self._kinds & {"lambda", "ecs", "ec2", "rds", "rds-cluster", "sagemaker", "apprunner"}:
            out.append(iam.PolicyStatement(sid="FindTaggedResources", actions=["tag:GetResources"], resources=["*"]))
        if "lambda" in self._kinds:
            lambda_actions = ["lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency"]
            out.append(self._tag_conditioned("ZeroTaggedFunctions", lambda_actions, "lambda", "function:*"))
        if "ecs" in self._kinds:
            out.extend(self._ecs(describe_targets=True))
        if "ec2" in self._kinds:
            reads = ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes"]
            out.append(iam.PolicyStatement(sid="ReadInstances", actions=reads, resources=["*"]))
            out.append(self._tag_conditioned("StopTaggedInstances", ["ec2:StopInstances"], "ec2", "instance/*"))
        out.extend(self._more(engage=True))
        if "eks-nodegroup" in self._kinds:
            # Node groups are found through the EKS API (ListClusters has no resource-level permissions).
            out.append(
                iam.PolicyStatement(
                    sid="FindNodeGroups", actions=["eks:ListClusters", "eks:ListNodegroups"], resources=["*"]
                )
            )
        if self._policy is not None:
            out.append(iam_statement(self._stack, self._principals, ("ListAttached",), None))
            out.append(iam_statement(self._stack, self._principals, ("Attach",), self._policy))
        return out

    def restore(self) -> list[iam.PolicyStatement]:
        """Put back what was recorded: start, resume, detach; reads only to tell "already started"."""
        out: list[iam.PolicyStatement] = []
        if "lambda" in self._kinds:
            lambda_actions = ["lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"]
            out.append(self._tag_conditioned("RestoreTaggedFunctions", lambda_actions, "lambda", "function:*"))
        if "ecs" in self._kinds:
            out.extend(self._ecs(describe_targets=False))
        if "ec2" in self._kinds:
            out.append(self._tag_conditioned("StartTaggedInstances", ["ec2:StartInstances"], "ec2", "instance/*"))
        out.extend(self._more(engage=False))
        if self._policy is not None:
            out.append(iam_statement(self._stack, self._principals, ("Detach",), self._policy))
        return out

    def _more(self, *, engage: bool) -> list[iam.PolicyStatement]:
        """RDS, Aurora, Auto Scaling groups, SageMaker, EKS, App Runner: reads by resource type
        (engage, which also re-stops; restore too, but for Auto Scaling, to tell a start refused
        because someone already started the resource from a real failure), changes by resource
        type and the tag condition."""
        out: list[iam.PolicyStatement] = []
        for kind, sid, read, stop, start, service, resource in _MORE_KINDS:
            if kind not in self._kinds:
                continue
            if engage or kind != "asg":
                # DescribeAutoScalingGroups has no resource-level permissions; the others take the type.
                scope = ["*"] if kind == "asg" else _arns(self._stack, self._regions, service, resource)
                out.append(iam.PolicyStatement(sid=f"Read{sid}", actions=[read], resources=scope))
            actions = list(stop if engage else start)
            out.append(self._tag_conditioned(("Stop" if engage else "Start") + sid, actions, service, resource))
        return out

    def _ecs(self, *, describe_targets: bool) -> list[iam.PolicyStatement]:
        out = [
            # Application Auto Scaling also checks the caller may describe and update the service,
            # so the tag condition here bounds RegisterScalableTarget below to the tagged services.
            self._tag_conditioned(
                "UpdateTaggedServices", ["ecs:DescribeServices", "ecs:UpdateService"], "ecs", "service/*"
            ),
            iam.PolicyStatement(
                sid="HoldScalingBounds",
                actions=["application-autoscaling:RegisterScalableTarget"],
                resources=_arns(self._stack, self._regions, "application-autoscaling", "scalable-target/*"),
            ),
        ]
        if describe_targets:
            out.append(
                iam.PolicyStatement(
                    sid="ReadScalingBounds",
                    actions=["application-autoscaling:DescribeScalableTargets"],
                    resources=["*"],
                )
            )
        return out


def iam_statement(
    stack: Stack, principals: dict[str, tuple[str, ...]], verbs: Sequence[str], policy: iam.ManagedPolicy | None
) -> iam.PolicyStatement:
    """``iam:<verb><Type>Policy`` on the named principals, limited to ``policy`` when given."""
    actions: list[str] = []
    resources: list[str] = []
    for type_, names in principals.items():
        if not names:
            continue
        actions.extend(
            f"iam:{verb}{type_.capitalize()}Policies"
            if verb == "ListAttached"
            else f"iam:{verb}{type_.capitalize()}Policy"
            for verb in verbs
        )
        resources.extend(_arn(stack, "iam", f"{type_}/{name}", region=False) for name in names)
    conditions = None if policy is None else {"ArnEquals": {"iam:PolicyARN": policy.managed_policy_arn}}
    sid = "".join(verbs) + "DenyPolicy"
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions)


def acknowledge_function_wildcards(role: iam.IRole, kinds: set[str], regions: Sequence[str]) -> None:
    """The wildcards the APIs leave no way around, each explained (listed in docs/kill-switch.md).

    Each resource is the very token the statements hold, so the finding id matches with an
    explicit environment as well as without one.
    """
    stack = Stack.of(role)
    acknowledge_wildcards(
        role,
        resources={
            "*": (
                "tag:GetResources, ec2:DescribeInstances, ec2:DescribeInstanceTypes, "
                "application-autoscaling:DescribeScalableTargets, autoscaling:DescribeAutoScalingGroups, "
                "eks:ListClusters and eks:ListNodegroups are reads without resource-level permissions"
            ),
            **{
                arn: reason
                for (service, resource), reason in _type_wildcards(kinds).items()
                for arn in _arns(stack, regions, service, resource)
            },
        },
    )


def _type_wildcards(kinds: set[str]) -> dict[tuple[str, str], str]:
    """``(service, resource pattern)`` -> why that pattern is allowed, for the kinds enabled."""
    tagged = "of the regions the switch acts in, only when it carries the selecting tag (aws:ResourceTag)"
    out = {
        (service, resource): f"any {resource.split(':')[0].split('/')[0]} {tagged}; reads by resource type"
        for kind, _, _, _, _, service, resource in _MORE_KINDS
        if kind in kinds
    }
    out[("application-autoscaling", "scalable-target/*")] = (
        "scalable targets of the regions the switch acts in; they do not carry the project tag, but Application "
        "Auto Scaling also requires ecs:UpdateService on the service, which is tag-conditioned"
    )
    out[("lambda", "function:*")] = f"any function {tagged}"
    out[("ecs", "service/*")] = f"any ECS service {tagged}"
    out[("ec2", "instance/*")] = f"any instance {tagged}"
    return out
