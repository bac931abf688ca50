"""``ButtressCostGuard``: a Project=Beta budget of $2 with every kind of kill-switch action."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from buttress import BudgetKillSwitch
from buttress.kill_switch import Stage, Tripwire
from buttress.parts import nag

#: Context key of the operators' e-mail addresses (a string, comma-separated for several).
EMAIL_CONTEXT = "buttress:costGuardEmails"
#: Placeholder used when the context does not set one: replace it before deploying.
PLACEHOLDER_EMAIL = "cost-operators@example.com"


class CostGuardStack(Stack):
    """A $2/month budget on resources tagged ``Project=Beta`` (EC2 costs) in us-east-1 and eu-west-1.

    Staged (issue 25): the forecast at 80 % e-mails the operators; the actual cost at 100 % stops
    the non-essential kinds (functions, ECS services, notebooks, App Runner); at 120 % everything
    below stops and the developers are denied. A tripwire engages everything within about 6
    minutes when the account's Lambda invocations exceed 100,000 in 5 minutes, without waiting
    for Budgets' data.

    At 120 % (or the tripwire): Beta Lambda functions get reserved concurrency 0, Beta ECS services go to
    0 tasks with scaling held at 0, Beta EC2 instances stop (instance-store ones are reported),
    Beta RDS instances and Aurora clusters stop (and are stopped again daily while engaged), Beta
    Auto Scaling groups go to 0 with their replacing processes suspended, Beta SageMaker notebooks
    stop, Beta EKS node groups scale to 0, Beta App Runner services pause, and the Beta
    developers' group gets a policy denying ``ec2:RunInstances``/``ec2:StartInstances``.
    Operators' e-mails: ``cdk synth -c buttress:costGuardEmails=a@x.com,b@x.com``.
    """

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        emails_context = self.node.try_get_context(EMAIL_CONTEXT) or PLACEHOLDER_EMAIL
        emails = [e.strip() for e in str(emails_context).split(",") if e.strip()]
        # A group of Beta developers, who lose the right to start instances.
        self.developers = iam.Group(self, "BetaDevelopers")
        nag.acknowledge_rule(
            self.developers,
            "IAMGroupHasUsers",
            "Example group: its members are added where the team manages people (IAM Identity Center or its own "
            "stack); the kill switch needs only the group's name.",
        )
        nag.acknowledge_rule(
            self.developers,
            "",
            "The group has no inline policy at all (no Properties); cfn-guard's rule fails on a resource without "
            "Properties instead of skipping it.",
            guard=[
                "iam_inline_policy_no_statements_with_admin_access_check",
                "iam_inline_policy_no_statements_with_full_access_check",
            ],
        )
        self.switch = BudgetKillSwitch(
            self,
            "BetaKillSwitch",
            budget_name="buttress-project-beta",
            limit_usd=2,
            tag_key="Project",
            tag_value="Beta",
            services=["Amazon Elastic Compute Cloud - Compute"],
            # Project Beta runs in two regions; the switch, its records and IAM stay in this stack's.
            regions=["us-east-1", "eu-west-1"],
            operator_emails=emails,
            iam_groups=[self.developers.group_name],
            # A runaway loop shows in the invocations within minutes; the budget, hours later.
            tripwires=[Tripwire.lambda_invocations(per_period=100_000)],
            stages=[
                Stage(80, forecast=True),
                Stage(100, kinds=["lambda", "ecs", "sagemaker", "apprunner"], name="non-essential"),
                Stage(
                    120,
                    kinds=["lambda", "ecs", "ec2", "rds", "asg", "sagemaker", "eks-nodegroup", "apprunner", "iam"],
                    name="everything",
                ),
            ],
        )
        CfnOutput(
            self, "RestoreCommand", value=self.switch.restore_command, description="Restore what the switch changed"
        )
        CfnOutput(
            self,
            "BudgetName",
            value=self.switch.budget_name,
            description="The budget's full name (it ends with the digest of its notifications): the drill names it",
        )
        CfnOutput(
            self,
            "AlertTopicArn",
            value=self.switch.alert_topic.topic.topic_arn,
            description="Publish the drill message here to test the switch",
        )
