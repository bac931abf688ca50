"""Task-count scaling: target tracking on CPU, memory and requests per target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked


def scaling(
    service: ecs.FargateService, checked: Checked, target_group: elbv2.ApplicationTargetGroup
) -> ecs.ScalableTaskCount | None:
    """``min_capacity`` to ``max_capacity`` tasks with the policies asked for; ``None`` without a policy."""
    plain, durations = checked.plain, checked.cdk.durations
    if not plain.scales:
        return None
    task_count = service.auto_scale_task_count(min_capacity=plain.min_capacity, max_capacity=plain.max_capacity)
    scale_in, scale_out = durations.scale_in_cooldown, durations.scale_out_cooldown
    if plain.scale_on_cpu_percent is not None:
        task_count.scale_on_cpu_utilization(
            "CpuScaling",
            target_utilization_percent=plain.scale_on_cpu_percent,
            scale_in_cooldown=scale_in,
            scale_out_cooldown=scale_out,
        )
    if plain.scale_on_memory_percent is not None:
        task_count.scale_on_memory_utilization(
            "MemoryScaling",
            target_utilization_percent=plain.scale_on_memory_percent,
            scale_in_cooldown=scale_in,
            scale_out_cooldown=scale_out,
        )
    if plain.scale_on_requests_per_target is not None:
        task_count.scale_on_request_count(
            "RequestScaling",
            requests_per_target=plain.scale_on_requests_per_target,
            target_group=target_group,
            scale_in_cooldown=scale_in,
            scale_out_cooldown=scale_out,
        )
    return task_count
