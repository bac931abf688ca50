"""Issue 25's props, checked together and turned into what the switch builds: tripwires, stages,
the budget period, the organization-wide stop. Kept apart from ``checks`` so the original
props' rules stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack, Token
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_organizations as organizations

from buttress._lambda_src.kill_switch.config import Kind
from buttress.kill_switch import stages as stage_parts
from buttress.kill_switch.chat import ChatChannel, check_chat
from buttress.kill_switch.props import BudgetKillSwitchProps
from buttress.kill_switch.stages import Stage
from buttress.kill_switch.tripwires import Tripwire, alarm_name, check_tripwires
from buttress.rules import kill_switch_triggers as rules
from buttress.rules.kill_switch import KillSwitchProps


@dataclass(frozen=True)
class Reach:
    """The checked issue-25 props."""

    tripwires: tuple[Tripwire, ...]
    stages: tuple[Stage, ...]
    period: str
    scp_targets: tuple[str, ...]
    break_glass_role: str | None
    chat: ChatChannel | None = None

    @property
    def daily(self) -> bool:
        return self.period == "DAILY"

    def notifications(
        self, plain: KillSwitchProps, alert_topic_arn: str
    ) -> list[budgets.CfnBudget.NotificationWithSubscribersProperty]:
        """The budget's notifications: the stages' when there are any, else warning + breach."""
        if self.stages:
            return stage_parts.notifications(plain, self.stages, alert_topic_arn=alert_topic_arn)
        return stage_parts.default_notifications(plain, alert_topic_arn=alert_topic_arn, daily=self.daily)

    def runtime(
        self, *, budget_name: str, actions: tuple[Kind, ...], scp_policy: organizations.CfnPolicy | None
    ) -> dict[str, Any]:
        """The engage/restore ``Config`` fields these props set (empty ones stay out of the template)."""
        return {
            "actions": actions + ((Kind.SCP,) if self.scp_targets else ()),
            "tripwires": tuple((alarm_name(budget_name, t), t.name, t.stage) for t in self.tripwires),
            "stages": stage_parts.runtime_stages(self.stages),
            "scp_targets": self.scp_targets,
            "scp_policy_id": scp_policy.attr_id if scp_policy is not None else "",
            "chat": self.chat is not None,
        }


def check_reach(props: BudgetKillSwitchProps, plain: KillSwitchProps, stack: Stack) -> Reach:
    """Check ``tripwires``, ``stages``, ``period``, ``scp_targets``, ``break_glass_role``, ``chat``."""
    period = rules.period(props.period)
    targets = rules.scp_targets(props.scp_targets, stack.account, account_known=not Token.is_unresolved(stack.account))
    break_glass = rules.break_glass_role(props.break_glass_role, targets=targets)
    stages = stage_parts.check_stages(props.stages, plain, period=period, scp=bool(targets))
    tripwires = check_tripwires(
        props.tripwires, stage_names=[s.label for s in stages if not s.forecast], region=stack.region
    )
    return Reach(tripwires, stages, period, targets, break_glass, check_chat(props.chat))
