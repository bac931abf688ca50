"""The prop rules of :class:`~buttress.kill_switch.BudgetKillSwitch`: pure, no CDK import.

:func:`check` type-checks and range-checks every plain prop and returns them as
:class:`KillSwitchProps`, with what follows from them (the principals, the actions the functions
take). CDK-typed props (``removal_policy``, ``log_retention``, ``alarm_action``) are checked by
:func:`check_cdk_props` against the classes the construct passes in, so this module never imports
aws-cdk-lib.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from buttress.errors import invalid
from buttress.rules import props
from buttress.rules.partitions import COMMERCIAL, PARTITIONS_PAGE, partition_of

#: What the deny policy denies by default: starting EC2 instances.
DEFAULT_DENY_ACTIONS = ("ec2:RunInstances", "ec2:StartInstances")
#: Budgets allows 10 e-mail subscribers per notification (plus one SNS topic).
MAX_EMAILS = 10
#: Largest budget limit accepted, in USD.
MAX_LIMIT_USD = 1e12

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IAM_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
#: An IAM action as a policy may name it: ``prefix:Action``, ``*`` and ``?`` wildcards in the action.
_ACTION = re.compile(r"^([a-z0-9-]+):([A-Za-z0-9*?]+)$")
#: Budget names: 1-100 characters, no ``:`` or ``\\`` (the Budgets API's pattern).
MAX_BUDGET_NAME = 100
#: Hex characters of the notification settings' digest the budget name ends with (``-<digest>``).
DIGEST_LENGTH = 8
#: What a given ``budget_name`` may use: the rest of the 100 is ``-<digest>``.
MAX_GIVEN_BUDGET_NAME = MAX_BUDGET_NAME - 1 - DIGEST_LENGTH
_BUDGET_NAME = re.compile(rf"^[^:\\]{{1,{MAX_GIVEN_BUDGET_NAME}}}$")
#: Room the default budget name keeps for ``-<account>-<region>`` (12 digits, the longest region names are 14).
_ACCOUNT_REGION_ROOM = 1 + 12 + 1 + 16
_DATA = Path(__file__).resolve().parent.parent / "data"


@cache
def cost_explorer_services() -> tuple[frozenset[str], dict[str, str]]:
    """The known Cost Explorer service names and the short names users type for them (``EC2``)."""
    data = json.loads((_DATA / "cost-explorer-services.json").read_text(encoding="utf-8"))
    return frozenset(data["services"]), dict(data["aliases"])


@cache
def iam_service_prefixes() -> frozenset[str]:
    """The known IAM service prefixes (``ec2``, ``rds``, ...)."""
    data = json.loads((_DATA / "iam-service-prefixes.json").read_text(encoding="utf-8"))
    return frozenset(data["prefixes"])


def nearest(value: str, known: Sequence[str] | frozenset[str], aliases: dict[str, str] | None = None) -> str | None:
    """The known name closest to ``value`` (an alias such as ``EC2`` first, then difflib), or None."""
    if aliases and value.strip().upper() in aliases:
        return aliases[value.strip().upper()]
    by_lower = {k.lower(): k for k in known}
    found = difflib.get_close_matches(value.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def default_budget_name(unique_id: str, account: str, region: str) -> str:
    """``<unique id>-<account>-<region>``: budget names are unique per account, and the same stack
    deployed to two regions must not collide. ``account``/``region`` may be tokens (resolved at deploy)."""
    room = MAX_GIVEN_BUDGET_NAME - _ACCOUNT_REGION_ROOM
    return f"{unique_id[-room:]}-{account}-{region}"


def settings_digest(settings: object) -> str:
    """A short, stable digest of ``settings`` (plain JSON values, e.g. a resolved CloudFormation property).

    The budget's name ends with the digest of its notification settings: ``BudgetName`` and
    ``NotificationsWithSubscribers`` are create-only ("Update requires: Replacement",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-budgets-budget-notificationwithsubscribers.html),
    and CloudFormation cannot replace a custom-named resource
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html):
    with the name changing exactly when they do, a change is a replacement under a new name.
    """
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def replaceable_budget_name(base: str, settings: object) -> str:
    """``<base>-<digest of settings>``: the name the budget is created under (see :func:`settings_digest`)."""
    return f"{base}-{settings_digest(settings)}"


def is_token(value: str) -> bool:
    """A string that holds a CDK token (``${Token[...]}``), resolved only at deploy time."""
    return "${Token[" in value


@dataclass(frozen=True)
class KillSwitchProps:
    """The checked plain props of a :class:`~buttress.kill_switch.BudgetKillSwitch`."""

    limit_usd: float
    tag_key: str
    tag_value: str
    operator_emails: tuple[str, ...]
    budget_name: str | None
    services: tuple[str, ...]
    forecast_percent: float
    actual_percent: float
    lambda_functions: bool
    ecs_services: bool
    ec2_instances: bool
    rds_databases: bool
    auto_scaling_groups: bool
    sagemaker_notebooks: bool
    eks_node_groups: bool
    app_runner_services: bool
    ec2_instance_store: bool
    regions: tuple[str, ...]
    iam_groups: tuple[str, ...]
    iam_roles: tuple[str, ...]
    iam_users: tuple[str, ...]
    deny_actions: tuple[str, ...]
    native_iam_action: bool
    dry_run: bool
    max_workers: int
    reserved_concurrency: int | None
    include_credits: bool = False
    include_refunds: bool = False

    @property
    def principals(self) -> dict[str, tuple[str, ...]]:
        """IAM principal type (``group``, ``role``, ``user``) -> names that get the deny policy."""
        return {"group": self.iam_groups, "role": self.iam_roles, "user": self.iam_users}

    @property
    def has_iam(self) -> bool:
        return bool(self.iam_groups or self.iam_roles or self.iam_users)

    @property
    def function_actions(self) -> tuple[str, ...]:
        """The resource kinds the functions act on (``iam`` unless AWS Budgets attaches the policy)."""
        enabled = (
            ("lambda", self.lambda_functions),
            ("ecs", self.ecs_services),
            ("ec2", self.ec2_instances),
            ("iam", self.has_iam and not self.native_iam_action),
            ("rds", self.rds_databases),
            ("rds-cluster", self.rds_databases),
            ("asg", self.auto_scaling_groups),
            ("sagemaker", self.sagemaker_notebooks),
            ("eks-nodegroup", self.eks_node_groups),
            ("apprunner", self.app_runner_services),
        )
        return tuple(kind for kind, on in enabled if on)


def check(
    *,
    limit_usd: object,
    tag_key: object,
    tag_value: object,
    operator_emails: object,
    budget_name: object,
    services: object,
    forecast_percent: object,
    actual_percent: object,
    lambda_functions: object,
    ecs_services: object,
    ec2_instances: object,
    rds_databases: object,
    auto_scaling_groups: object,
    sagemaker_notebooks: object,
    eks_node_groups: object,
    app_runner_services: object,
    ec2_instance_store: object,
    regions: object,
    iam_groups: object,
    iam_roles: object,
    iam_users: object,
    deny_actions: object,
    native_iam_action: object,
    dry_run: object,
    max_workers: object,
    reserved_concurrency: object,
    include_credits: object = False,
    include_refunds: object = False,
) -> KillSwitchProps:
    """Check every plain prop; raise :func:`~buttress.errors.invalid` naming the first wrong one."""
    checked = KillSwitchProps(
        limit_usd=_limit(limit_usd),
        tag_key=_tag_key(tag_key),
        tag_value=_tag_value(tag_value),
        operator_emails=_emails(operator_emails),
        budget_name=_budget_name(budget_name),
        services=_services(services),
        forecast_percent=_percent("forecast_percent", forecast_percent),
        actual_percent=_percent("actual_percent", actual_percent),
        lambda_functions=props.boolean("lambda_functions", lambda_functions),
        ecs_services=props.boolean("ecs_services", ecs_services),
        ec2_instances=props.boolean("ec2_instances", ec2_instances),
        rds_databases=props.boolean("rds_databases", rds_databases),
        auto_scaling_groups=props.boolean("auto_scaling_groups", auto_scaling_groups),
        sagemaker_notebooks=props.boolean("sagemaker_notebooks", sagemaker_notebooks),
        eks_node_groups=props.boolean("eks_node_groups", eks_node_groups),
        app_runner_services=props.boolean("app_runner_services", app_runner_services),
        ec2_instance_store=props.boolean("ec2_instance_store", ec2_instance_store),
        regions=_regions(regions),
        iam_groups=_iam_names("iam_groups", iam_groups),
        iam_roles=_iam_names("iam_roles", iam_roles),
        iam_users=_iam_names("iam_users", iam_users),
        deny_actions=_deny_actions(deny_actions),
        native_iam_action=props.boolean("native_iam_action", native_iam_action),
        dry_run=props.boolean("dry_run", dry_run),
        max_workers=props.integer("max_workers", max_workers, low=1, high=32),
        reserved_concurrency=(
            None
            if reserved_concurrency is None
            else props.integer("reserved_concurrency", reserved_concurrency, low=1, allowed="None or at least 1")
        ),
        include_credits=props.boolean("include_credits", include_credits),
        include_refunds=props.boolean("include_refunds", include_refunds),
    )
    if checked.actual_percent < checked.forecast_percent:
        raise invalid(
            "actual_percent",
            checked.actual_percent,
            f"at least forecast_percent ({checked.forecast_percent:g}): the forecast warning must come "
            "before the breach that stops resources, not after it",
        )
    if checked.native_iam_action and not checked.has_iam:
        raise invalid("native_iam_action", True, "only with iam_groups, iam_roles or iam_users to apply it to")
    if checked.ec2_instance_store and not checked.ec2_instances:
        raise invalid("ec2_instance_store", True, "only with ec2_instances=True (no effect with ec2_instances=False)")
    if not checked.function_actions and not checked.has_iam:
        raise invalid(
            "lambda_functions",
            False,
            "at least one action: Lambda, ECS, EC2, RDS, Auto Scaling, SageMaker, EKS, App Runner or IAM principals",
        )
    return checked


def check_cdk_props(
    *,
    removal_policy: object,
    removal_policy_type: type[Enum],
    log_retention: object,
    log_retention_type: type[Enum],
    alarm_action: object,
) -> None:
    """The CDK-typed props, against the enum classes the construct passes in (no CDK import here)."""
    props.instance("removal_policy", removal_policy, removal_policy_type, "a RemovalPolicy such as RETAIN")
    props.instance("log_retention", log_retention, log_retention_type, "a logs.RetentionDays such as ONE_YEAR")
    if alarm_action is not None and not callable(getattr(alarm_action, "bind", None)):
        raise invalid("alarm_action", alarm_action, "None or a cloudwatch.IAlarmAction such as SnsAction(topic)")


# --- one prop each ---------------------------------------------------------------------------


def _limit(value: object) -> float:
    allowed = "a number of US dollars above 0"
    limit = props.number("limit_usd", value, high=MAX_LIMIT_USD, allowed=allowed)
    if limit <= 0:
        raise invalid("limit_usd", value, allowed)
    return limit


def _tag_key(value: object) -> str:
    key = props.string("tag_key", value)
    if len(key) > 128 or key.lower().startswith("aws:"):
        raise invalid("tag_key", key, "a cost-allocation tag key of 1-128 characters, not starting with 'aws:'")
    return key


def _tag_value(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 256:
        raise invalid("tag_value", value, "1-256 characters (an empty value would select every resource)")
    return value


def _emails(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not 1 <= len(value) <= MAX_EMAILS:
        raise invalid("operator_emails", value, f"a list of 1 to {MAX_EMAILS} e-mail addresses")
    for address in value:
        if not isinstance(address, str) or not (is_token(address) or _EMAIL.match(address)):
            raise invalid("operator_emails", address, "an e-mail address such as 'ops@example.com'")
    if len(set(value)) != len(value):
        raise invalid("operator_emails", list(value), "distinct addresses")
    return tuple(value)


def _budget_name(value: object) -> str | None:
    if value is None:
        return None
    name = props.string("budget_name", value)
    if not is_token(name) and not _BUDGET_NAME.match(name):
        raise invalid(
            "budget_name",
            name,
            f"1-{MAX_GIVEN_BUDGET_NAME} characters without ':' or '\\' (Budgets allows 100; the switch "
            f"appends '-<{DIGEST_LENGTH} hex>', the digest of the notification settings)",
        )
    return name


def _services(value: object) -> tuple[str, ...]:
    allowed = "a list of Cost Explorer service names, e.g. ['Amazon Elastic Compute Cloud - Compute']"
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid("services", value, allowed)
    if any(not isinstance(s, str) or not s.strip() for s in value):
        raise invalid("services", value, allowed)
    known, aliases = cost_explorer_services()
    for name in value:
        if is_token(name) or name in known:
            continue
        guess = nearest(name, known, aliases)
        hint = f"did you mean {guess!r}? " if guess else ""
        raise invalid(
            "services",
            name,
            f"{hint}a Cost Explorer service name as Budgets filters on it (a name Budgets does not know "
            "matches no cost: the budget stays at $0 and the switch never fires); known names are in "
            "buttress/data/cost-explorer-services.json",
        )
    if len(set(value)) != len(value):
        raise invalid("services", list(value), "distinct names")
    return tuple(value)


_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def _regions(value: object) -> tuple[str, ...]:
    """``None`` (the stack's region) or a non-empty list of distinct region names."""
    if value is None:
        return ()
    allowed = "None (the stack's region) or a non-empty list of region names such as ['eu-west-1', 'us-east-1']"
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise invalid("regions", value, allowed)
    for region in value:
        if not isinstance(region, str) or not (is_token(region) or _REGION.match(region)):
            raise invalid("regions", region, "a region name such as 'eu-west-1'")
    if len(set(value)) != len(value):
        raise invalid("regions", list(value), "distinct regions")
    return tuple(value)


def regions_partition(regions: Sequence[str], *, stack_region: str | None) -> str:
    """Refuse ``regions`` of more than one partition, or of another partition than the stack's region
    (``stack_region``, ``None`` when not known at synth); return a warning when it cannot be checked.

    The switch's roles name ``arn:<the stack's partition>:...`` and its functions' credentials work
    in that partition only: a region of another one can never be acted on. Only regions of a
    partition other than ``aws`` are warned about when the stack's region is unknown (the usual case,
    an env-agnostic stack deployed to a commercial region, stays quiet).
    """
    names = [r for r in regions if not is_token(r)]
    partitions = sorted({partition_of(r) for r in names})
    if len(partitions) > 1:
        raise invalid(
            "regions",
            list(regions),
            f"regions of one AWS partition (these are in {', '.join(partitions)}): one stack, its roles "
            f"and its functions live in one partition and nothing crosses partitions ({PARTITIONS_PAGE})",
        )
    if not partitions:
        return ""
    if stack_region is not None and partition_of(stack_region) != partitions[0]:
        raise invalid(
            "regions",
            list(regions),
            f"regions of the stack's partition ({partition_of(stack_region)}, the stack is in {stack_region}), "
            f"not {partitions[0]}: the switch's roles and functions work in their own partition only "
            f"({PARTITIONS_PAGE})",
        )
    if stack_region is None and partitions[0] != COMMERCIAL:
        return (
            f"regions {list(regions)} are in partition {partitions[0]}; the stack's region is not known at "
            f"synth, so this was not checked: deploy the stack to a region of {partitions[0]} ({PARTITIONS_PAGE})"
        )
    return ""


def _percent(prop: str, value: object) -> float:
    return props.number(prop, value, low=1, high=1000, allowed="a percentage of the limit from 1 to 1000")


def _iam_names(prop: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        raise invalid(prop, value, "a list of names, not a string")
    names = props.strings(prop, value)
    for name in names:
        if is_token(name):
            continue  # e.g. group.group_name of a group in the same app
        if not _IAM_NAME.match(name) or (prop == "iam_roles" and len(name) > 64):
            raise invalid(prop, name, "an IAM name without path: letters, digits and +=,.@_-")
    if len(set(names)) != len(names):
        raise invalid(prop, names, "distinct names")
    return tuple(names)


def _deny_actions(value: object) -> tuple[str, ...]:
    allowed = "a non-empty list of IAM actions such as 'ec2:RunInstances'"
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise invalid("deny_actions", value, allowed)
    prefixes = iam_service_prefixes()
    for action in value:
        match = _ACTION.match(action) if isinstance(action, str) else None
        if match is None:
            raise invalid(
                "deny_actions", action, "an IAM action 'service:Action' ('*' and '?' wildcards in the action only)"
            )
        if match.group(1) not in prefixes:
            guess = nearest(match.group(1), prefixes)
            hint = f"did you mean '{guess}:{match.group(2)}'? " if guess else ""
            raise invalid(
                "deny_actions",
                action,
                f"{hint}an action of a known IAM service prefix (buttress/data/iam-service-prefixes.json)",
            )
    if len(set(value)) != len(value):
        raise invalid("deny_actions", list(value), "distinct actions")
    return tuple(value)
