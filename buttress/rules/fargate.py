"""Synth-time rules of ``AlbFargateService``, kept free of CDK so they are tested without synthesizing.

Every check raises :class:`~buttress.errors.ButtressError` (via :func:`~buttress.errors.invalid`)
naming the prop, the bad value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buttress.errors import invalid
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.rules import props

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
CPU_ARCHITECTURES: tuple[str, ...] = tuple(CpuArchitecture)

#: Listener protocols. Plain HTTP exists only as an explicit opt-in.
PROTOCOLS: tuple[str, ...] = tuple(ListenerProtocol)

#: Tasks kept on regular Fargate when ``spot=True`` and ``on_demand_base`` is not given.
DEFAULT_ON_DEMAND_BASE = 1

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


def check_docker_directory(value: object) -> Path:
    """A folder (``str`` or ``Path``) that holds a ``Dockerfile``."""
    if not isinstance(value, str | Path):
        raise invalid("docker_directory", value, f"a folder path (str or Path), not {type(value).__name__}")
    directory = Path(value)
    if not (directory / "Dockerfile").is_file():
        raise invalid("docker_directory", str(value), "an existing folder that contains a Dockerfile")
    return directory


def check_sidecar(
    index: int,
    *,
    name: object,
    port: object,
    essential: object,
    environment: object,
    secret_names: Sequence[str],
    command: object,
    cpu: object,
    memory_reservation_mib: object,
) -> ContainerSpec:
    """Type-check the plain fields of ``sidecars[index]``; its container spec for :func:`check_containers`."""
    prefix = f"sidecars[{index}]."
    props.boolean(f"{prefix}essential", essential)
    check_environment(props.string_map(f"{prefix}environment", environment), secret_names, prop_prefix=prefix)
    if command is not None:
        props.strings(f"{prefix}command", command)
    sizes = [
        None if value is None else props.integer(f"{prefix}{prop}", value, low=1)
        for prop, value in (("memory_reservation_mib", memory_reservation_mib), ("cpu", cpu))
    ]
    return ContainerSpec(
        props.string(f"{prefix}name", name),
        None if port is None else props.integer(f"{prefix}port", port),
        sizes[0],
        sizes[1],
    )


@dataclass(frozen=True)
class Durations:
    """The duration props of ``AlbFargateService`` in whole seconds (``None``: not given)."""

    health_check_interval: int
    health_check_timeout: int
    health_check_grace_period: int
    deregistration_delay: int
    scale_in_cooldown: int | None
    scale_out_cooldown: int | None


@dataclass(frozen=True)
class FargateProps:
    """The checked plain props of ``AlbFargateService``, with every default resolved to its effective value."""

    container_name: str
    container_port: int
    command: list[str] | None
    cpu: int
    memory_mib: int
    cpu_architecture: CpuArchitecture
    spot: bool
    on_demand_base: int
    environment: dict[str, str]
    internal: bool
    ingress_cidrs: list[str]
    protocol: ListenerProtocol
    listener_port: int
    redirect_http: bool
    health: HealthCheckSpec
    min_capacity: int
    max_capacity: int
    scale_on_cpu_percent: float | None
    scale_on_memory_percent: float | None
    scale_on_requests_per_target: int | None
    scales: bool
    access_logs_prefix: str
    deletion_protection: bool

    @property
    def https(self) -> bool:
        """Whether the listener serves HTTPS."""
        return self.protocol is ListenerProtocol.HTTPS


def check_props(
    *,
    id_: str,
    container_name: object,
    container_port: object,
    command: object,
    cpu: object,
    memory_mib: object,
    cpu_architecture: object,
    spot: object,
    on_demand_base: object,
    environment: object,
    secret_names: Sequence[str],
    sidecars: Sequence[ContainerSpec],
    internal: object,
    ingress_cidrs: object,
    protocol: object,
    has_certificate: bool,
    ssl_policy: object,
    listener_port: object,
    redirect_http: object,
    health_check_path: object,
    health_check_codes: object,
    healthy_threshold: object,
    unhealthy_threshold: object,
    durations: Durations,
    min_capacity: object,
    max_capacity: object,
    scale_on_cpu_percent: object,
    scale_on_memory_percent: object,
    scale_on_requests_per_target: object,
    access_logs_prefix: object,
    deletion_protection: object,
) -> FargateProps:
    """Type-check every plain prop, then the rules between them; the props with defaults resolved.

    ``None`` for ``on_demand_base``, ``redirect_http``, ``ssl_policy``, ``listener_port``,
    ``ingress_cidrs`` and ``access_logs_prefix`` means "not given": the effective default depends
    on other props, and a prop given where it has no effect (``redirect_http`` with plain HTTP, ``on_demand_base``
    without Spot) is an error naming that mode.
    """
    task = _check_task(
        container_name=container_name,
        container_port=container_port,
        command=command,
        cpu=cpu,
        memory_mib=memory_mib,
        environment=environment,
        secret_names=secret_names,
        sidecars=sidecars,
    )
    capacity = _check_capacity(
        cpu_architecture=cpu_architecture,
        spot=spot,
        on_demand_base=on_demand_base,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        scale_on_cpu_percent=scale_on_cpu_percent,
        scale_on_memory_percent=scale_on_memory_percent,
        scale_on_requests_per_target=scale_on_requests_per_target,
        durations=durations,
    )
    listener = _check_listener(
        internal=internal,
        ingress_cidrs=ingress_cidrs,
        protocol=protocol,
        has_certificate=has_certificate,
        ssl_policy=ssl_policy,
        listener_port=listener_port,
        redirect_http=redirect_http,
    )
    health = _check_health(
        path=health_check_path,
        codes=health_check_codes,
        healthy_threshold=healthy_threshold,
        unhealthy_threshold=unhealthy_threshold,
        durations=durations,
    )
    prefix = id_ if access_logs_prefix is None else props.string("access_logs_prefix", access_logs_prefix, empty=True)
    check_log_prefix(prefix)
    return FargateProps(
        **task,
        **capacity,
        **listener,
        health=health,
        access_logs_prefix=prefix,
        deletion_protection=props.boolean("deletion_protection", deletion_protection),
    )


def _check_task(
    *,
    container_name: object,
    container_port: object,
    command: object,
    cpu: object,
    memory_mib: object,
    environment: object,
    secret_names: Sequence[str],
    sidecars: Sequence[ContainerSpec],
) -> dict[str, Any]:
    name = props.string("container_name", container_name)
    port = props.integer("container_port", container_port, allowed="a TCP port from 1 to 65535")
    checked_cpu = props.integer("cpu", cpu)
    memory = props.integer("memory_mib", memory_mib)
    check_task_size(checked_cpu, memory)
    variables = props.string_map("environment", {} if environment is None else environment)
    check_environment(variables, secret_names)
    check_containers(ContainerSpec(name, port), sidecars, cpu=checked_cpu, memory_mib=memory)
    return {
        "container_name": name,
        "container_port": port,
        "command": None if command is None else props.strings("command", command),
        "cpu": checked_cpu,
        "memory_mib": memory,
        "environment": variables,
    }


def _check_capacity(
    *,
    cpu_architecture: object,
    spot: object,
    on_demand_base: object,
    min_capacity: object,
    max_capacity: object,
    scale_on_cpu_percent: object,
    scale_on_memory_percent: object,
    scale_on_requests_per_target: object,
    durations: Durations,
) -> dict[str, Any]:
    architecture = props.option("cpu_architecture", cpu_architecture, CpuArchitecture)
    on_spot = props.boolean("spot", spot)
    if on_demand_base is not None and not on_spot:
        raise invalid(
            "on_demand_base", on_demand_base, "only with spot=True: without Spot every task runs on regular Fargate"
        )
    base = DEFAULT_ON_DEMAND_BASE if on_demand_base is None else props.integer("on_demand_base", on_demand_base)
    low = props.integer("min_capacity", min_capacity)
    high = props.integer("max_capacity", max_capacity)
    check_capacity_options(
        cpu_architecture=architecture, spot=on_spot, on_demand_base=base, min_capacity=low, max_capacity=high
    )
    targets = {
        "scale_on_cpu_percent": _optional_number("scale_on_cpu_percent", scale_on_cpu_percent),
        "scale_on_memory_percent": _optional_number("scale_on_memory_percent", scale_on_memory_percent),
    }
    requests = (
        None
        if scale_on_requests_per_target is None
        else props.integer("scale_on_requests_per_target", scale_on_requests_per_target)
    )
    scales = check_scaling(
        min_capacity=low,
        max_capacity=high,
        cpu_percent=targets["scale_on_cpu_percent"],
        memory_percent=targets["scale_on_memory_percent"],
        requests_per_target=requests,
    )
    for prop in ("scale_in_cooldown", "scale_out_cooldown"):
        if not scales and getattr(durations, prop) is not None:
            raise invalid(prop, f"{getattr(durations, prop)}s", "only with a scaling policy (none is set)")
    return {
        "cpu_architecture": architecture,
        "spot": on_spot,
        "on_demand_base": base,
        "min_capacity": low,
        "max_capacity": high,
        **targets,
        "scale_on_requests_per_target": requests,
        "scales": scales,
    }


def _optional_number(prop: str, value: object) -> float | None:
    return None if value is None else props.number(prop, value)


def _check_listener(
    *,
    internal: object,
    ingress_cidrs: object,
    protocol: object,
    has_certificate: bool,
    ssl_policy: object,
    listener_port: object,
    redirect_http: object,
) -> dict[str, Any]:
    is_internal = props.boolean("internal", internal)
    cidrs = default_ingress_cidrs(internal=is_internal) if ingress_cidrs is None else ingress_cidrs
    checked = check_ingress_cidrs(props.strings("ingress_cidrs", cidrs), internal=is_internal)
    chosen = props.option("protocol", protocol, ListenerProtocol)
    check_protocol(protocol=chosen.value, has_certificate=has_certificate)
    port = _port_of(chosen, None if listener_port is None else props.integer("listener_port", listener_port))
    https = chosen is ListenerProtocol.HTTPS
    if not https:
        for prop, value, reason in (
            ("redirect_http", redirect_http, "there is no HTTPS listener to redirect to"),
            ("ssl_policy", ssl_policy, "a plain HTTP listener has no TLS policy"),
        ):
            if value is not None:
                raise invalid(prop, value, f"not given with protocol='HTTP': {reason}")
    redirect = https and (redirect_http is None or props.boolean("redirect_http", redirect_http))
    if redirect and port == 80:
        raise invalid("listener_port", port, "not 80 while redirect_http=True (the redirect listens on 80)")
    return {
        "internal": is_internal,
        "ingress_cidrs": checked,
        "protocol": chosen,
        "listener_port": port,
        "redirect_http": redirect,
    }


def _check_health(
    *, path: object, codes: object, healthy_threshold: object, unhealthy_threshold: object, durations: Durations
) -> HealthCheckSpec:
    health = HealthCheckSpec(
        path=props.string("health_check_path", path),
        codes=props.string("health_check_codes", codes, empty=True),
        interval_seconds=durations.health_check_interval,
        timeout_seconds=durations.health_check_timeout,
        healthy_threshold=props.integer("healthy_threshold", healthy_threshold),
        unhealthy_threshold=props.integer("unhealthy_threshold", unhealthy_threshold),
    )
    check_health_check(health)
    check_grace_period(
        grace_seconds=durations.health_check_grace_period,
        interval_seconds=health.interval_seconds,
        unhealthy_threshold=health.unhealthy_threshold,
    )
    check_deregistration_delay(durations.deregistration_delay)
    return health


#: ``listener_port`` under a name the ``listener_port`` parameters above do not shadow.
_port_of = listener_port
