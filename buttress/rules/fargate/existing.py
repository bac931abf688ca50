"""An ``AlbFargateService`` on a load balancer or listener it did not create: what can and cannot be checked.

Pure rules, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

from collections.abc import Mapping

from buttress.errors import invalid

#: Rules per Application Load Balancer, default rules excluded (a quota that can be raised; buttress keeps the
#: default): https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
MAX_RULES_PER_LOAD_BALANCER = 100

#: Id of the warning an ``existing_listener`` adds: the priorities of rules made outside this app are unknown.
EXISTING_LISTENER_WARNING = "buttress:existingListenerPriority"

#: Load-balancer props that describe the existing listener (``protocol``, ``listener_port``: for the URL and
#: ``allow_from``); every other load-balancer prop belongs to whoever owns the listener.
LISTENER_DESCRIBED_BY = frozenset({"protocol", "listener_port"})
#: Load-balancer props that configure the listener this service adds to an ``existing_load_balancer``.
NEW_LISTENER_PROPS = frozenset({"protocol", "certificate", "listener_port", "ssl_policy", "ingress_cidrs", "internal"})


def check_rule_count(known: Mapping[int, str], listener: str) -> None:
    """One more rule on ``listener`` stays within the ALB quota, counting the rules this app puts there."""
    if len(known) + 1 > MAX_RULES_PER_LOAD_BALANCER:
        raise invalid(
            "priority",
            len(known) + 1,
            f"at most {MAX_RULES_PER_LOAD_BALANCER} rules on {listener} (the ALB quota, default rules excluded)",
        )


def unknown_priorities_message(path: str, priority: int, listener_arn: str) -> str:
    """The warning: buttress checked ``priority`` against its own rules only; how to check the others."""
    return (
        f"{path} adds a listener rule of priority {priority} to an existing listener. buttress checked it "
        "against the rules this app adds there, not against rules made elsewhere: CloudFormation fails with "
        "'PriorityInUse' if another rule has it. Check with `aws elbv2 describe-rules --listener-arn "
        f"{listener_arn} --query 'Rules[].Priority'`, then acknowledge this warning."
    )
