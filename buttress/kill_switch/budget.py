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
from buttress.rules.kill_switch import KillSwitchProps


def budget(
    scope: Construct,
    checked: KillSwitchProps,
    budget_name: str,
    alert_topic: FanoutTopic,
    *,
    time_unit: str = "MONTHLY",
    notifications: Sequence[budgets.CfnBudget.NotificationWithSubscribersProperty] | None = None,
) -> budgets.CfnBudget:
    """The cost budget (monthly or daily), filtered by the cost-allocation tag (and the services,
    when given); ``notifications`` replace the warning + breach pair (stages, daily budgets)."""
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
        ),
        notifications_with_subscribers=list(notifications)
        if notifications is not None
        else [
            _notification("FORECASTED", checked.forecast_percent, checked.operator_emails),
            _notification(
                "ACTUAL", checked.actual_percent, checked.operator_emails, topic_arn=alert_topic.topic.topic_arn
            ),
        ],
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


def _notification(
    kind: str, percent: float, emails: Sequence[str], *, topic_arn: str | None = None
) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
    subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=a) for a in emails]
    if topic_arn is not None:
        subscribers.insert(0, budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic_arn))
    return budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=budgets.CfnBudget.NotificationProperty(
            notification_type=kind, comparison_operator="GREATER_THAN", threshold=percent, threshold_type="PERCENTAGE"
        ),
        subscribers=subscribers,
    )
