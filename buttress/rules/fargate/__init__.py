"""Synth-time rules of ``AlbFargateService``, kept free of CDK so they are tested without synthesizing.

Every check raises :class:`~buttress.errors.ButtressError` (via :func:`~buttress.errors.invalid`)
naming the prop, the bad value and what is allowed. One module per concern: ``task`` (sizes,
capacity, containers), ``listener`` (ports, protocol, ingress, target health check), ``service``
(every plain prop checked together), ``domain``, ``waf``, ``routing`` (shared load balancer),
``health`` (container health checks), ``deployment``, ``hardening`` (and the idle timeout).
"""

from buttress.rules.fargate.deployment import (
    CANARY_PERCENT,
    LINEAR_STEP_PERCENT,
    MAX_BAKE_MINUTES,
    MAX_DEPLOYMENT_MINUTES,
    DeploymentSpec,
    check_deployment,
)
from buttress.rules.fargate.domain import (
    DomainSpec,
    certificate_covers,
    certificate_region,
    check_certificate_arn,
    check_certificate_domain,
    check_domain,
    check_domain_in_zone,
    check_domain_name,
)
from buttress.rules.fargate.hardening import (
    IDLE_TIMEOUT_SECONDS,
    check_idle_timeout,
    check_user,
    check_writable_paths,
)
from buttress.rules.fargate.health import (
    CONTAINER_HEALTH_LIMITS,
    ContainerHealthCheckSpec,
    check_container_health_check,
)
from buttress.rules.fargate.listener import (
    CLOUDFORMATION_SERVICE_WAIT_SECONDS,
    PROTOCOLS,
    HealthCheckSpec,
    check_deregistration_delay,
    check_grace_period,
    check_health_check,
    check_http_codes,
    check_ingress_cidrs,
    check_log_prefix,
    check_port,
    check_protocol,
    default_ingress_cidrs,
    listener_port,
    service_url,
)
from buttress.rules.fargate.routing import (
    MAX_VALUES_PER_CONDITION,
    MAX_VALUES_PER_RULE,
    MAX_WILDCARDS_PER_RULE,
    RouteSpec,
    check_route,
)
from buttress.rules.fargate.service import (
    Durations,
    FargateProps,
    check_props,
)
from buttress.rules.fargate.task import (
    CPU_ARCHITECTURES,
    DEFAULT_ON_DEMAND_BASE,
    FARGATE_TASK_SIZES,
    ContainerSpec,
    check_capacity_options,
    check_containers,
    check_docker_directory,
    check_environment,
    check_scaling,
    check_sidecar,
    check_task_size,
)
from buttress.rules.fargate.waf import (
    DEFAULT_RATE_LIMIT,
    check_waf,
)

__all__ = [
    "CANARY_PERCENT",
    "CLOUDFORMATION_SERVICE_WAIT_SECONDS",
    "CONTAINER_HEALTH_LIMITS",
    "CPU_ARCHITECTURES",
    "DEFAULT_ON_DEMAND_BASE",
    "DEFAULT_RATE_LIMIT",
    "FARGATE_TASK_SIZES",
    "IDLE_TIMEOUT_SECONDS",
    "LINEAR_STEP_PERCENT",
    "MAX_BAKE_MINUTES",
    "MAX_DEPLOYMENT_MINUTES",
    "MAX_VALUES_PER_CONDITION",
    "MAX_VALUES_PER_RULE",
    "MAX_WILDCARDS_PER_RULE",
    "PROTOCOLS",
    "ContainerHealthCheckSpec",
    "ContainerSpec",
    "DeploymentSpec",
    "DomainSpec",
    "Durations",
    "FargateProps",
    "HealthCheckSpec",
    "RouteSpec",
    "certificate_covers",
    "certificate_region",
    "check_capacity_options",
    "check_certificate_arn",
    "check_certificate_domain",
    "check_container_health_check",
    "check_containers",
    "check_deployment",
    "check_deregistration_delay",
    "check_docker_directory",
    "check_domain",
    "check_domain_in_zone",
    "check_domain_name",
    "check_environment",
    "check_grace_period",
    "check_health_check",
    "check_http_codes",
    "check_idle_timeout",
    "check_ingress_cidrs",
    "check_log_prefix",
    "check_port",
    "check_props",
    "check_protocol",
    "check_route",
    "check_scaling",
    "check_sidecar",
    "check_task_size",
    "check_user",
    "check_waf",
    "check_writable_paths",
    "default_ingress_cidrs",
    "listener_port",
    "service_url",
]
