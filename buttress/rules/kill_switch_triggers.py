"""The prop rules of the kill switch's faster triggers and wider reach (issue 25): tripwires,
stages, the budget period and the organization-wide stop. Pure, no CDK import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from buttress.errors import invalid
from buttress.rules import props

#: Budget periods the switch accepts. Forecasts are not available for daily budgets
#: (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create.html), so a
#: DAILY switch sends no forecast warning and refuses forecast stages.
PERIODS = ("MONTHLY", "DAILY")
#: Stages a switch may have: each is a Budgets notification, and the forecast warning is one more.
#: AWS Budgets allows up to 10 notifications per budget
#: (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-limits.html); 5 stages
#: keep well inside it and are already more escalation than operators can follow.
MAX_STAGES = 5
#: Percentage points between two actual-cost stages, at least.
MIN_STAGE_GAP = 2.0
#: Stage kinds: the kinds the functions act on, ``rds`` standing for instances and Aurora clusters.
STAGE_KINDS = ("lambda", "ecs", "ec2", "rds", "asg", "sagemaker", "eks-nodegroup", "apprunner", "iam", "scp")
#: Tripwire and stage names: they end up in alarm names, records and summaries.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
#: CloudWatch periods: 10, 30 or a multiple of 60 seconds
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
_HIGH_RESOLUTION = (10, 30)
#: period x evaluation periods must not exceed one day (PutMetricAlarm).
MAX_EVALUATION_SECONDS = 86_400
#: Organizations ids: an account (12 digits) or an OU (``ou-<root>-<suffix>``)
#: (https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html).
_ACCOUNT = re.compile(r"^\d{12}$")
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ROLE = re.compile(r"^[\w+=,.@-]{1,64}$")
#: The region that holds the AWS/Billing metrics
#: (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html).
BILLING_REGION = "us-east-1"


def name(prop: str, value: object) -> str:
    """A tripwire or stage name: 1-40 letters, digits, ``-`` or ``_``, starting with a letter or digit."""
    text = props.string(prop, value)
    if not _NAME.match(text):
        raise invalid(prop, value, "1-40 letters, digits, '-' or '_', starting with a letter or digit")
    return text


def period_seconds(prop: str, value: object) -> int:
    """A CloudWatch alarm period in seconds: 10, 30 or a multiple of 60."""
    seconds = props.integer(prop, value, low=10, high=MAX_EVALUATION_SECONDS)
    if seconds not in _HIGH_RESOLUTION and seconds % 60:
        raise invalid(prop, value, "10 or 30 seconds, or a multiple of 60 seconds")
    return seconds


def evaluation(prop: str, period: int, evaluation_periods: object) -> int:
    """Evaluation periods >= 1 with period x evaluation periods at most one day."""
    count = props.integer(prop, evaluation_periods, low=1)
    if period * count > MAX_EVALUATION_SECONDS:
        raise invalid(prop, evaluation_periods, f"at most {MAX_EVALUATION_SECONDS // period} with a {period} s period")
    return count


def tripwire_region(tripwire: str, billing_only: bool, region: str, *, is_token: bool) -> None:
    """A billing tripwire only where the billing metrics are, when the stack's region is known."""
    if billing_only and not is_token and region != BILLING_REGION:
        raise invalid(
            f"tripwires[{tripwire}]",
            region,
            f"a stack in {BILLING_REGION}: AWS/Billing EstimatedCharges is published there only",
        )


def period(value: object) -> str:
    """``MONTHLY`` or ``DAILY``."""
    text = props.string("period", value)
    if text not in PERIODS:
        raise invalid("period", value, f"one of {', '.join(PERIODS)}")
    return text


def stages(given: Sequence[tuple[str, float, tuple[str, ...], bool]], *, enabled: Sequence[str], daily: bool) -> None:
    """Stages ``(name, percent, kinds, forecast)``: unique names, percentages 1-1000 strictly
    rising, every kind one the switch acts on, forecast stages notify only (a forecast can be
    wrong) and none on a daily budget."""
    if len(given) > MAX_STAGES:
        raise invalid("stages", len(given), f"at most {MAX_STAGES} stages")
    seen: set[str] = set()
    last = 0.0
    for stage_name, percent, kinds, forecast in given:
        where = f"stages[{stage_name}]"
        if stage_name in seen:
            raise invalid(where, stage_name, "a name no other stage has")
        seen.add(stage_name)
        props.number(f"{where}.percent", percent, low=1, high=1000)
        # The engage function finds the stage from dollar amounts rounded to the cent, tolerating
        # one percentage point: two stages closer than that could not be told apart.
        if not forecast and last and percent < last + MIN_STAGE_GAP:
            raise invalid(
                f"{where}.percent",
                percent,
                f"at least {last + MIN_STAGE_GAP:g} (previous stage {last:g}): stages escalate",
            )
        last = percent if not forecast else last
        if forecast and kinds:  # notify only
            raise invalid(
                f"{where}.kinds", list(kinds), "none: a forecast stage only notifies (forecasts can be wrong)"
            )
        if forecast and daily:
            raise invalid(f"{where}.forecast", True, "False with period='DAILY': Budgets has no daily forecast")
        for kind in kinds:
            if kind not in STAGE_KINDS:
                raise invalid(f"{where}.kinds", kind, f"one of {', '.join(STAGE_KINDS)}")
            if kind not in enabled:
                raise invalid(f"{where}.kinds", kind, f"a kind the switch acts on: {', '.join(enabled)}")


def scp_targets(value: object, account: str, *, account_known: bool) -> tuple[str, ...]:
    """Account ids and OU ids; never the stack's own account when it is known: a service control
    policy never applies to the management account, and only the management account (or a
    delegated administrator) can attach one
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)."""
    targets = tuple(props.strings("scp_targets", value))
    for target in targets:
        if not (_ACCOUNT.match(target) or _OU.match(target)):
            raise invalid("scp_targets", target, "an account id (12 digits) or an OU id (ou-xxxx-xxxxxxxx)")
        if account_known and target == account:
            raise invalid(
                "scp_targets",
                target,
                "other accounts than this stack's: the stack deploys the switch in the management (or delegated "
                "administrator) account, which a service control policy never restricts",
            )
    if len(set(targets)) != len(targets):
        raise invalid("scp_targets", list(targets), "each target once")
    return targets


def break_glass_role(value: object, *, targets: Sequence[str]) -> str | None:
    """The role name the SCP never denies; required with ``scp_targets`` (a deny-all without a way
    back in would lock the targets' own administrators out)."""
    if value is None:
        if targets:
            raise invalid("break_glass_role", value, "a role name (required with scp_targets)")
        return None
    text = props.string("break_glass_role", value)
    if not _ROLE.match(text):
        raise invalid("break_glass_role", value, "an IAM role name (1-64 of letters, digits and +=,.@_-)")
    return text
