"""The AWS Budget, its notifications and, with ``native_iam_action``, the Budgets action.

Budgets -> alert topic on the ACTUAL breach (and the operators' e-mails on both thresholds);
the Budgets action applies the deny policy itself, with its own role.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_iam as iam
from constructs import Construct

from buttress.fanout import FanoutTopic
from buttress.kill_switch.iam_statements import iam_statement
from buttress.parts import nag
from buttress.rules import kill_switch as rules
from buttress.rules.kill_switch import KillSwitchProps


def replaceable_name(
    scope: Construct, base: str, notifications: Sequence[budgets.CfnBudget.NotificationWithSubscribersProperty]
) -> str:
    """``<base>-<digest>``: the digest of the notifications as CloudFormation will see them (the alert
    topic as its ``Ref``), so any change that needs a replacement also gives the budget a new name."""
    resolved = Stack.of(scope).resolve(list(notifications))
    return rules.replaceable_budget_name(base, resolved)


def budget(
    scope: Construct,
    checked: KillSwitchProps,
    budget_name: str,
    alert_topic: FanoutTopic,
    *,
    notifications: Sequence[budgets.CfnBudget.NotificationWithSubscribersProperty],
    time_unit: str = "MONTHLY",
) -> budgets.CfnBudget:
    """The cost budget (monthly or daily), filtered by the cost-allocation tag (and the services,
    when given), with ``notifications`` (the stages', or the warning + breach pair).

    Gross spend by default: Budgets counts credits and refunds unless told not to (``CostTypes``,
    both default true: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-budgets-budget-costtypes.html),
    so spend covered by credits or offset by a refund would never reach the limit and the switch
    would never engage. ``include_credits``/``include_refunds`` count them (net spend).
    """
    built = budgets.CfnBudget(
        scope,
        "Budget",
        budget=budgets.CfnBudget.BudgetDataProperty(
            budget_name=budget_name,
            budget_type="COST",
            time_unit=time_unit,
            budget_limit=budgets.CfnBudget.SpendProperty(amount=checked.limit_usd, unit="USD"),
            cost_filters={
                "TagKeyValue": [f"user:{checked.tag_key}${checked.tag_value}"],
                **({"Service": list(checked.services)} if checked.services else {}),
            },
            cost_types=budgets.CfnBudget.CostTypesProperty(
                include_credit=checked.include_credits, include_refund=checked.include_refunds
            ),
        ),
        notifications_with_subscribers=list(notifications),
    )
    # Budgets checks at creation that it may publish to the topic: policies first.
    built.node.add_dependency(alert_topic.topic, alert_topic.key)
    return built


def native_action(
    scope: Construct,
    checked: KillSwitchProps,
    *,
    budget: budgets.CfnBudget,
    budget_name: str,
    deny_policy: iam.ManagedPolicy | None,
    operator_topic: FanoutTopic,
) -> tuple[iam.Role | None, budgets.CfnBudgetsAction | None]:
    """With ``native_iam_action``: AWS Budgets attaches the deny policy itself, with this role."""
    if not checked.native_iam_action or deny_policy is None:
        return None, None
    stack = Stack.of(scope)
    role = iam.Role(
        scope,
        "BudgetActionRole",
        assumed_by=iam.ServicePrincipal("budgets.amazonaws.com").with_conditions(
            {"StringEquals": {"aws:SourceAccount": stack.account}}
        ),
        description="AWS Budgets applies and reverses the kill-switch deny policy with this role",
    )
    role.add_to_policy(iam_statement(stack, checked.principals, ("Attach", "Detach"), deny_policy))
    nag.acknowledge_rule(
        role,
        "IAMNoInlinePolicy",
        "The Budgets action's own role with one statement: attach and detach this switch's deny policy on "
        "the named principals only; a customer-managed policy would be a reusable object nothing else "
        "should attach.",
    )
    action = budgets.CfnBudgetsAction(
        scope,
        "BudgetAction",
        budget_name=budget_name,
        action_type="APPLY_IAM_POLICY",
        notification_type="ACTUAL",
        approval_model="AUTOMATIC",
        action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(
            type="PERCENTAGE", value=checked.actual_percent
        ),
        definition=budgets.CfnBudgetsAction.DefinitionProperty(
            iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                policy_arn=deny_policy.managed_policy_arn,
                groups=list(checked.iam_groups) or None,
                roles=list(checked.iam_roles) or None,
                users=list(checked.iam_users) or None,
            )
        ),
        execution_role_arn=role.role_arn,
        subscribers=[budgets.CfnBudgetsAction.SubscriberProperty(type="SNS", address=operator_topic.topic.topic_arn)],
    )
    action.node.add_dependency(role, budget)
    # Budgets publishes the action's outcome to the operator topic too.
    operator_topic.allow_service_publisher("budgets.amazonaws.com")
    return role, action
