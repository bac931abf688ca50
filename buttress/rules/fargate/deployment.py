"""Deployments: rolling, or ECS-native blue/green, canary and linear traffic shifting.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from buttress.errors import invalid
from buttress.rules import props
from buttress.rules.fargate.listener import check_port

#: ECS limits of the traffic-shifting strategies (minutes, percent).
MAX_BAKE_MINUTES = 1440
#: CloudFormation rejects a canary or linear deployment whose computed duration exceeds 33 hours.
MAX_DEPLOYMENT_MINUTES = 33 * 60
LINEAR_STEP_PERCENT = (3.0, 100.0)
CANARY_PERCENT = (0.1, 100.0)


@dataclass(frozen=True)
class DeploymentSpec:
    """The checked deployment: strategy and its timings (minutes), ``None`` where the strategy has none."""

    strategy: str
    bake_minutes: int | None
    percent: float | None
    step_bake_minutes: int | None
    test_listener_port: int | None
    rollback_on_5xx: int | None
    #: A rolling deployment with the traffic-shifting load balancer configuration in place (the first of
    #: ECS's two steps from rolling to blue/green, canary or linear).
    prepared: bool = False

    @property
    def shifts_traffic(self) -> bool:
        """Blue/green, canary or linear: two target groups and ECS shifting traffic between them."""
        return self.strategy != "ROLLING"

    @property
    def two_target_groups(self) -> bool:
        """The alternate target group, production rule (and test listener): traffic shifting, or prepared for it."""
        return self.shifts_traffic or self.prepared


def check_deployment(
    *,
    strategy: str,
    bake_minutes: int | None,
    percent: object,
    step_bake_minutes: int | None,
    test_listener_port: object,
    rollback_on_5xx: object,
    listener_port: int,
    redirect_http: bool,
    prepare_traffic_shifting: object = False,
) -> DeploymentSpec:
    """Each strategy's settings within ECS's and CloudFormation's limits; none given that the strategy ignores."""
    rolling = strategy == "ROLLING"
    prepared = props.boolean("deployment.prepare_traffic_shifting", prepare_traffic_shifting)
    if prepared and not rolling:
        raise invalid("deployment.prepare_traffic_shifting", True, "only with Deployment.rolling()")
    for prop, value in (
        ("deployment.bake_time", bake_minutes),
        ("deployment.step_bake_time", step_bake_minutes),
        ("deployment.percent", percent),
        ("deployment.test_listener_port", None if prepared else test_listener_port),
        ("deployment.rollback_on_5xx", rollback_on_5xx),
    ):
        if rolling and value is not None:
            raise invalid(
                prop,
                value,
                "not given with the ROLLING strategy (it shifts no traffic"
                + (")" if prop != "deployment.test_listener_port" else "; only with prepare_traffic_shifting=True)"),
            )
    if rolling and not prepared:
        return DeploymentSpec(strategy, None, None, None, None, None)
    shifts = strategy in ("CANARY", "LINEAR")
    if not shifts:
        for prop, value in (("deployment.percent", percent), ("deployment.step_bake_time", step_bake_minutes)):
            if value is not None:
                raise invalid(prop, value, "not given with BLUE_GREEN (all traffic shifts at once)")
    minutes = {"deployment.bake_time": bake_minutes, "deployment.step_bake_time": step_bake_minutes}
    for prop, value in minutes.items():
        if value is not None and not 0 <= value <= MAX_BAKE_MINUTES:
            raise invalid(prop, f"{value} min", f"0 to {MAX_BAKE_MINUTES} minutes (24 hours, the ECS limit)")
    share = None
    if shifts:
        low, high = CANARY_PERCENT if strategy == "CANARY" else LINEAR_STEP_PERCENT
        share = props.number("deployment.percent", percent)
        if not low <= share <= high or abs(share * 10 - round(share * 10)) > 1e-9:
            raise invalid("deployment.percent", share, f"a multiple of 0.1 from {low:g} to {high:g} percent (ECS)")
        _check_deployment_duration(strategy, bake_minutes or 0, share, step_bake_minutes or 0)
    port = None if test_listener_port is None else props.integer("deployment.test_listener_port", test_listener_port)
    if port is not None:
        check_port("deployment.test_listener_port", port)
        taken = {listener_port, *([80] if redirect_http else [])}
        if port in taken:
            raise invalid("deployment.test_listener_port", port, f"a port no other listener uses ({sorted(taken)})")
    threshold = None if rollback_on_5xx is None else props.integer("deployment.rollback_on_5xx", rollback_on_5xx, low=1)
    return DeploymentSpec(strategy, bake_minutes, share, step_bake_minutes, port, threshold, prepared)


def _check_deployment_duration(strategy: str, bake: int, share: float, step_bake: int) -> None:
    # Linear: ceil(100 / share) steps, computed in tenths of a percent to stay exact.
    steps = 1 if strategy == "CANARY" else -(-1000 // round(share * 10))
    total = bake + step_bake * steps
    if total > MAX_DEPLOYMENT_MINUTES:
        raise invalid(
            "deployment.step_bake_time",
            f"{step_bake} min",
            f"a duration that keeps bake_time + step_bake_time x {steps} step(s) ({total} min) within "
            f"{MAX_DEPLOYMENT_MINUTES} minutes: CloudFormation rejects longer canary and linear deployments",
        )
