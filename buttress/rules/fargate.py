"""Synth-time rules of ``AlbFargateService``, kept free of CDK so they are tested without synthesizing.

Every check raises :class:`~buttress.errors.ButtressError` (via :func:`~buttress.errors.invalid`)
naming the prop, the bad value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from buttress.errors import invalid

#: Valid Fargate task sizes (Linux, platform 1.4.0+): CPU units -> allowed memory in MiB.
FARGATE_TASK_SIZES: Mapping[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

#: CPU architectures of Fargate Linux tasks (both run on Fargate and on Fargate Spot).
CPU_ARCHITECTURES: tuple[str, ...] = ("X86_64", "ARM64")

#: Listener protocols. Plain HTTP exists only as an explicit opt-in.
PROTOCOLS: tuple[str, ...] = ("HTTPS", "HTTP")

#: How long CloudFormation waits for an ECS service to reach a steady state before it gives up
#: (about three hours). A deployment whose failure cannot be detected inside this wait leaves the
#: stack hanging instead of letting the circuit breaker roll it back.
CLOUDFORMATION_SERVICE_WAIT_SECONDS = 3 * 60 * 60

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
_HTTP_CODE_ITEM = re.compile(r"^(\d{3})(?:-(\d{3}))?$")
_LOG_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*$")


def _describe_sizes() -> str:
    parts = []
    for cpu, memories in FARGATE_TASK_SIZES.items():
        if len(memories) <= 3:
            parts.append(f"cpu {cpu}: {', '.join(map(str, memories))}")
        else:
            step = memories[1] - memories[0]
            parts.append(f"cpu {cpu}: {memories[0]}-{memories[-1]} in steps of {step}")
    return "; ".join(parts)


def check_task_size(cpu: int, memory_mib: int) -> None:
    """``cpu`` and ``memory_mib`` must be a pair of the Fargate task-size table."""
    if cpu not in FARGATE_TASK_SIZES:
        raise invalid("cpu", cpu, f"one of {', '.join(map(str, FARGATE_TASK_SIZES))} (CPU units)")
    if memory_mib not in FARGATE_TASK_SIZES[cpu]:
        raise invalid(
            "memory_mib",
            memory_mib,
            f"with cpu={cpu} one of the Fargate pairs ({_describe_sizes()})",
        )


def check_capacity_options(
    *, cpu_architecture: str, spot: bool, on_demand_base: int, min_capacity: int, max_capacity: int
) -> None:
    """Architecture, Spot and task-count bounds."""
    if cpu_architecture not in CPU_ARCHITECTURES:
        raise invalid("cpu_architecture", cpu_architecture, f"one of {', '.join(CPU_ARCHITECTURES)}")
    if min_capacity < 1:
        raise invalid("min_capacity", min_capacity, "at least 1 (2 or more to survive the loss of an AZ)")
    if max_capacity < min_capacity:
        raise invalid("min_capacity", min_capacity, f"at most max_capacity ({max_capacity})")
    if spot and not 0 <= on_demand_base <= max_capacity:
        raise invalid(
            "on_demand_base",
            on_demand_base,
            f"0 to max_capacity ({max_capacity}): the tasks kept on regular Fargate when spot=True",
        )


def check_scaling(
    *,
    min_capacity: int,
    max_capacity: int,
    cpu_percent: float | None,
    memory_percent: float | None,
    requests_per_target: int | None,
) -> bool:
    """Validate the scaling targets; return whether the service auto scales (any policy set)."""
    for prop, value in (("scale_on_cpu_percent", cpu_percent), ("scale_on_memory_percent", memory_percent)):
        if value is not None and not 1 <= value <= 100:
            raise invalid(prop, value, "a utilization target from 1 to 100 percent, or None for no such policy")
    if requests_per_target is not None and requests_per_target < 1:
        raise invalid("scale_on_requests_per_target", requests_per_target, "at least 1 request per target, or None")
    has_policy = any(v is not None for v in (cpu_percent, memory_percent, requests_per_target))
    if max_capacity > min_capacity and not has_policy:
        raise invalid(
            "max_capacity",
            max_capacity,
            f"equal to min_capacity ({min_capacity}) when no scaling policy is set; set scale_on_cpu_percent, "
            "scale_on_memory_percent or scale_on_requests_per_target to scale between them",
        )
    return has_policy


def check_port(prop: str, port: int) -> None:
    """A TCP port: 1 to 65535."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise invalid(prop, port, "a TCP port from 1 to 65535")


def check_protocol(*, protocol: str, has_certificate: bool) -> None:
    """HTTPS needs a certificate; a certificate with HTTP would be silently unused."""
    if protocol not in PROTOCOLS:
        raise invalid("protocol", protocol, f"one of {', '.join(PROTOCOLS)}")
    if protocol == "HTTPS" and not has_certificate:
        raise invalid(
            "certificate",
            None,
            "an ACM certificate when protocol='HTTPS' (the default); to serve plain HTTP, opt in with protocol='HTTP'",
        )
    if protocol == "HTTP" and has_certificate:
        raise invalid("protocol", protocol, "'HTTPS' when a certificate is given (the certificate would be unused)")


def default_ingress_cidrs(*, internal: bool) -> list[str]:
    """The internet for a public service; nobody (only ``allow_from``) for an internal one."""
    return [] if internal else ["0.0.0.0/0"]


def check_ingress_cidrs(cidrs: Sequence[str], *, internal: bool) -> list[str]:
    """IPv4 CIDRs; none that is the whole internet on an internal service. Returns them normalized."""
    normalized = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as error:
            raise invalid("ingress_cidrs", cidr, f"an IPv4 CIDR such as 10.0.0.0/16 ({error})") from None
        if network.version != 4:
            raise invalid("ingress_cidrs", cidr, "an IPv4 CIDR: the load balancer has IPv4 addresses only")
        if internal and network.prefixlen == 0:
            raise invalid(
                "ingress_cidrs",
                cidr,
                "no internet-wide CIDR on an internal service; give the callers' CIDRs or use allow_from()",
            )
        normalized.append(str(network))
    if len(set(normalized)) != len(normalized):
        raise invalid("ingress_cidrs", list(cidrs), "each CIDR once")
    return normalized


@dataclass(frozen=True)
class HealthCheckSpec:
    """The target group's health check, in plain numbers."""

    path: str
    codes: str
    interval_seconds: int
    timeout_seconds: int
    healthy_threshold: int
    unhealthy_threshold: int


def check_health_check(spec: HealthCheckSpec) -> None:
    """Limits of an ALB target-group HTTP health check."""
    if not spec.path.startswith("/") or len(spec.path) > 1024 or any(c.isspace() for c in spec.path):
        raise invalid("health_check_path", spec.path, "a path starting with '/', no spaces, at most 1024 characters")
    check_http_codes(spec.codes)
    if not 5 <= spec.interval_seconds <= 300:
        raise invalid("health_check_interval", f"{spec.interval_seconds}s", "5 to 300 seconds")
    if not 2 <= spec.timeout_seconds <= 120 or spec.timeout_seconds >= spec.interval_seconds:
        raise invalid(
            "health_check_timeout",
            f"{spec.timeout_seconds}s",
            f"2 to 120 seconds and shorter than health_check_interval ({spec.interval_seconds}s)",
        )
    for prop, value in (
        ("healthy_threshold", spec.healthy_threshold),
        ("unhealthy_threshold", spec.unhealthy_threshold),
    ):
        if not 2 <= value <= 10:
            raise invalid(prop, value, "2 to 10 consecutive checks")


def check_http_codes(codes: str) -> None:
    """``"200"``, ``"200,204"`` or ``"200-299"``: codes from 200 to 499."""
    items = codes.split(",") if codes else [""]
    for item in items:
        match = _HTTP_CODE_ITEM.match(item.strip())
        low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not match or not 200 <= low <= high <= 499:
            raise invalid(
                "health_check_codes",
                codes,
                "HTTP codes from 200 to 499 as '200', '200,202' or '200-299'",
            )


def check_grace_period(*, grace_seconds: int, interval_seconds: int, unhealthy_threshold: int) -> None:
    """The grace period plus the time to see a task fail must fit in CloudFormation's wait.

    While the grace period runs, ECS ignores failing load-balancer health checks, so the
    circuit breaker cannot count a broken task before the grace period and
    ``unhealthy_threshold`` failed checks have passed. Beyond CloudFormation's wait for the
    service, a bad deployment hangs the stack instead of rolling back.
    """
    detect = interval_seconds * unhealthy_threshold
    limit = CLOUDFORMATION_SERVICE_WAIT_SECONDS - detect
    if not 0 <= grace_seconds <= limit:
        raise invalid(
            "health_check_grace_period",
            f"{grace_seconds}s",
            f"0 to {limit}s: CloudFormation waits about {CLOUDFORMATION_SERVICE_WAIT_SECONDS // 3600} h for the "
            f"service and a failing task is only noticed {detect}s (unhealthy_threshold x interval) after the "
            "grace period, so a longer one hangs a bad deployment instead of rolling it back",
        )


def check_deregistration_delay(seconds: int) -> None:
    """ALB target groups drain for 0 to 3600 seconds."""
    if not 0 <= seconds <= 3600:
        raise invalid("deregistration_delay", f"{seconds}s", "0 to 3600 seconds")


def check_environment(environment: Mapping[str, str], secret_names: Iterable[str], *, prop_prefix: str = "") -> None:
    """Variable names are shell-style and each is either plain or secret, not both."""
    secrets = list(secret_names)
    for prop, names in ((f"{prop_prefix}environment", list(environment)), (f"{prop_prefix}secrets", secrets)):
        for name in names:
            if not _ENV_NAME.match(name):
                raise invalid(prop, name, "variable names of letters, digits and '_', not starting with a digit")
    both = sorted(set(environment) & set(secrets))
    if both:
        raise invalid(f"{prop_prefix}secrets", both, "names not also in environment (one value per variable)")


@dataclass(frozen=True)
class ContainerSpec:
    """What the task-level checks need to know about one container."""

    name: str
    port: int | None
    memory_reservation_mib: int | None = None
    cpu: int | None = None


def check_containers(main: ContainerSpec, sidecars: Sequence[ContainerSpec], *, cpu: int, memory_mib: int) -> None:
    """Unique names, no two containers on one port (they share the task's localhost), sizes fit the task."""
    seen_names: set[str] = set()
    seen_ports: dict[int, str] = {}
    for index, spec in enumerate([main, *sidecars]):
        prop = "container_name" if index == 0 else f"sidecars[{index - 1}].name"
        if not _CONTAINER_NAME.match(spec.name):
            raise invalid(prop, spec.name, "1-255 letters, digits, '-' and '_', starting with a letter or digit")
        if spec.name in seen_names:
            raise invalid(prop, spec.name, f"a name not used by another container ({sorted(seen_names)})")
        seen_names.add(spec.name)
        if spec.port is None:
            continue
        port_prop = "container_port" if index == 0 else f"sidecars[{index - 1}].port"
        check_port(port_prop, spec.port)
        if spec.port in seen_ports:
            raise invalid(
                port_prop,
                spec.port,
                f"a port no other container uses: containers of a task share localhost and "
                f"{seen_ports[spec.port]!r} already listens on {spec.port}",
            )
        seen_ports[spec.port] = spec.name
    reserved_memory = sum(s.memory_reservation_mib or 0 for s in sidecars)
    if reserved_memory >= memory_mib:
        raise invalid(
            "sidecars",
            f"{reserved_memory} MiB reserved",
            f"less than the task's memory_mib ({memory_mib}) so the main container has room",
        )
    reserved_cpu = sum(s.cpu or 0 for s in sidecars)
    if reserved_cpu >= cpu:
        raise invalid("sidecars", f"{reserved_cpu} CPU units", f"less than the task's cpu ({cpu})")


def check_log_prefix(prefix: str) -> None:
    """An S3 key prefix for access logs (ELB rejects 'AWSLogs' in it and a leading or trailing '/')."""
    if not prefix or "AWSLogs" in prefix or prefix.endswith("/") or not _LOG_PREFIX.match(prefix):
        raise invalid(
            "access_logs_prefix",
            prefix,
            "a non-empty S3 key prefix of letters, digits and !_.*'()-/ without 'AWSLogs' or a leading/trailing '/'",
        )


def listener_port(protocol: str, port: int | None) -> int:
    """The listener port: the protocol's standard port unless given."""
    if port is None:
        return 443 if protocol == "HTTPS" else 80
    check_port("listener_port", port)
    return port


def service_url(protocol: str, host: str, port: int) -> str:
    """``https://host`` (the port only when not the protocol's standard one)."""
    scheme = protocol.lower()
    standard = 443 if protocol == "HTTPS" else 80
    return f"{scheme}://{host}" if port == standard else f"{scheme}://{host}:{port}"
