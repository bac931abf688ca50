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


def default_ingress_cidrs(*, internal: bool, dual_stack: bool = False) -> list[str]:
    """The internet (IPv6 too when dual-stack) for a public service; nobody (``allow_from`` only) when internal."""
    if internal:
        return []
    return ["0.0.0.0/0", "::/0"] if dual_stack else ["0.0.0.0/0"]


def check_ingress_cidrs(cidrs: Sequence[str], *, internal: bool, dual_stack: bool = False) -> list[str]:
    """IPv4 CIDRs (IPv6 too when dual-stack); none that is the whole internet on an internal service.

    Returns them normalized.
    """
    normalized = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError as error:
            raise invalid("ingress_cidrs", cidr, f"an IPv4 CIDR such as 10.0.0.0/16 ({error})") from None
        if network.version != 4 and not dual_stack:
            raise invalid(
                "ingress_cidrs", cidr, "an IPv4 CIDR: the load balancer has IPv4 addresses only (see dual_stack)"
            )
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
    dual_stack: bool
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
    dual_stack: object,
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
        dual_stack=dual_stack,
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
    dual_stack: object,
    ingress_cidrs: object,
    protocol: object,
    has_certificate: bool,
    ssl_policy: object,
    listener_port: object,
    redirect_http: object,
) -> dict[str, Any]:
    is_internal = props.boolean("internal", internal)
    both = props.boolean("dual_stack", dual_stack)
    cidrs = default_ingress_cidrs(internal=is_internal, dual_stack=both) if ingress_cidrs is None else ingress_cidrs
    checked = check_ingress_cidrs(props.strings("ingress_cidrs", cidrs), internal=is_internal, dual_stack=both)
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
        "dual_stack": both,
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


# -- domain and certificate -------------------------------------------------------------------

_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$")


def check_domain_name(prop: str, value: object) -> str:
    """A fully qualified DNS name (``www.example.com``), lower-cased, without a trailing dot."""
    name = props.string(prop, value).lower().removesuffix(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise invalid(
            prop,
            value,
            "a DNS name such as www.example.com: at least two labels of letters, digits and '-' "
            "(no wildcard), each at most 63 characters, 253 in all",
        )
    return name


def check_domain_in_zone(domain_name: str, zone_name: str) -> None:
    """``domain_name`` is the zone's apex or a name under it (records exist only inside their zone)."""
    zone = zone_name.lower().removesuffix(".")
    if domain_name != zone and not domain_name.endswith("." + zone):
        raise invalid(
            "domain_name", domain_name, f"a name in hosted_zone {zone!r} (equal to it or ending in '.{zone}')"
        )


def certificate_covers(names: Sequence[str], domain_name: str) -> bool:
    """Whether a certificate for ``names`` (wildcards like ``*.example.com`` included) is valid for ``domain_name``."""
    for raw in names:
        name = raw.lower().removesuffix(".")
        if name == domain_name:
            return True
        if name.startswith("*.") and domain_name.partition(".")[2] == name[2:]:
            return True
    return False


def check_certificate_domain(names: Sequence[str], domain_name: str) -> None:
    """The certificate's names cover ``domain_name``, or clients would fail TLS verification."""
    if not certificate_covers(names, domain_name):
        raise invalid(
            "certificate",
            list(names),
            f"a certificate whose name or alternative names cover domain_name {domain_name!r} "
            "(the exact name, or a wildcard one level above it)",
        )


def certificate_region(arn: str) -> str | None:
    """The region of an ACM certificate ARN; ``None`` when ``arn`` is not an ACM certificate ARN."""
    match = _ACM_ARN.match(arn)
    return match.group(1) if match else None


def check_certificate_arn(arn: str, stack_region: str | None) -> None:
    """An ACM certificate ARN, in the stack's region when that is known (ALB listeners use regional certificates)."""
    region = certificate_region(arn)
    if region is None:
        raise invalid("certificate", arn, "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)")
    if stack_region is not None and region != stack_region:
        raise invalid(
            "certificate",
            arn,
            f"a certificate in the stack's region ({stack_region}), not {region}: a load balancer can only use "
            f"ACM certificates of its own region (us-east-1 certificates elsewhere serve CloudFront only)",
        )


@dataclass(frozen=True)
class DomainSpec:
    """The checked domain props: the name callers use, and whether the construct issues its certificate."""

    domain_name: str | None
    creates_certificate: bool
    creates_records: bool


def check_domain(
    *,
    domain_name: object,
    has_hosted_zone: bool,
    zone_name: str | None,
    zone_is_private: bool,
    has_certificate: bool,
    https: bool,
) -> DomainSpec:
    """``domain_name`` with ``hosted_zone`` (alias records; a DNS-validated certificate unless one is given).

    ``zone_name`` is ``None`` when not known at synth (a zone imported by id only).
    """
    if domain_name is None:
        if has_hosted_zone:
            raise invalid("hosted_zone", "given", "only with domain_name (the name its alias records get)")
        return DomainSpec(None, creates_certificate=False, creates_records=False)
    name = check_domain_name("domain_name", domain_name)
    if zone_name is not None:
        check_domain_in_zone(name, zone_name)
    creates_certificate = https and not has_certificate
    if creates_certificate and not has_hosted_zone:
        raise invalid(
            "domain_name",
            name,
            "with hosted_zone (to validate its certificate in DNS and hold the alias records), "
            "or with certificate when the DNS is managed elsewhere",
        )
    if creates_certificate and zone_is_private:
        raise invalid(
            "hosted_zone",
            zone_name,
            "a public hosted zone when the certificate is issued here (ACM validates through public DNS); "
            "with a private zone, give certificate",
        )
    return DomainSpec(name, creates_certificate=creates_certificate, creates_records=has_hosted_zone)


# -- WAF ----------------------------------------------------------------------------------------

_WAF_ARN = re.compile(
    r"^arn:aws[a-z-]*:wafv2:([a-z0-9-]+):\d{12}:(regional|global)/webacl/[A-Za-z0-9_-]{1,128}/[a-f0-9-]+$"
)
#: Requests per evaluation window (5 minutes) a client IP may send before the rate-based rule blocks it.
DEFAULT_RATE_LIMIT = 2000


def check_waf(
    *,
    mode: object,
    web_acl_arn: object,
    rate_limit: object,
    reason: object,
    stack_region: str | None,
    arn_known: bool = True,
) -> None:
    """One of: a web ACL built here (``rate_limit``), an existing regional ACL by ARN, or none with a reason.

    ``arn_known=False``: the ARN is a token (resolved at deploy time), so only its type is checked.
    """
    if mode == "MANAGED":
        props.integer(
            "waf.rate_limit",
            rate_limit,
            low=10,
            high=2_000_000_000,
            allowed="requests per 5 minutes per client IP, from 10 to 2,000,000,000",
        )
        return
    if mode == "EXISTING":
        arn = props.string("waf.web_acl_arn", web_acl_arn)
        if not arn_known:
            return
        match = _WAF_ARN.match(arn)
        if match is None or match.group(2) != "regional":
            raise invalid(
                "waf.web_acl_arn",
                arn,
                "the ARN of a REGIONAL WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); "
                "CLOUDFRONT (global) web ACLs cannot protect a load balancer",
            )
        if stack_region is not None and match.group(1) != stack_region:
            raise invalid("waf.web_acl_arn", arn, f"a web ACL in the stack's region ({stack_region})")
        return
    text = props.string("waf.reason", reason)
    if len(text.strip()) < 10:
        raise invalid("waf.reason", text, "why the load balancer needs no WAF, in a sentence (at least 10 characters)")


# -- routing on a shared load balancer ------------------------------------------------------------

_PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_\-.$/~\"'@:+&*?]*$")
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9\-.*?]+$")
#: ALB limits of one listener rule: condition values per condition, per rule, wildcards per rule.
MAX_VALUES_PER_CONDITION = 3
MAX_VALUES_PER_RULE = 5
MAX_WILDCARDS_PER_RULE = 5


@dataclass(frozen=True)
class RouteSpec:
    """A listener rule on a shared load balancer."""

    priority: int
    path_patterns: list[str]
    host_headers: list[str]

    def url_suffix(self) -> str:
        """The literal path prefix of the first path pattern (``/docs/*`` -> ``/docs``), for the service URL."""
        if not self.path_patterns:
            return ""
        pattern = self.path_patterns[0]
        cut = min((i for i, c in enumerate(pattern) if c in "*?"), default=len(pattern))
        return pattern[:cut].rstrip("/")


def check_route(
    *, priority: object, path_patterns: object, host_headers: object, taken: Mapping[int, str]
) -> RouteSpec:
    """Priority 1-50000 not used by another rule of the listener; conditions within the ALB limits."""
    chosen = props.integer("priority", priority, low=1, high=50_000)
    if chosen in taken:
        raise invalid(
            "priority", chosen, f"a priority no other rule of the listener has ({taken[chosen]} has {chosen})"
        )
    paths = [] if path_patterns is None else props.strings("path_patterns", path_patterns)
    hosts = [] if host_headers is None else [h.lower() for h in props.strings("host_headers", host_headers)]
    if not paths and not hosts:
        raise invalid("path_patterns", None, "path_patterns or host_headers (or both) on a shared load balancer")
    for prop, values, pattern, what in (
        (
            "path_patterns",
            paths,
            _PATH_PATTERN,
            "starting with '/', of A-Z a-z 0-9 _-.$/~\"'@:+& and the wildcards * ?",
        ),
        ("host_headers", hosts, _HOST_PATTERN, "of A-Z a-z 0-9 - . and the wildcards * ?"),
    ):
        if len(values) > MAX_VALUES_PER_CONDITION:
            raise invalid(prop, values, f"at most {MAX_VALUES_PER_CONDITION} values (the ALB limit per condition)")
        if len(set(values)) != len(values):
            raise invalid(prop, values, "each value once")
        for value in values:
            if len(value) > 128 or not pattern.match(value):
                raise invalid(prop, value, f"at most 128 characters {what}")
    if len(paths) + len(hosts) > MAX_VALUES_PER_RULE:
        raise invalid(
            "path_patterns", paths, f"with host_headers at most {MAX_VALUES_PER_RULE} values (the ALB limit per rule)"
        )
    wildcards = sum(value.count("*") + value.count("?") for value in [*paths, *hosts])
    if wildcards > MAX_WILDCARDS_PER_RULE:
        raise invalid(
            "path_patterns", paths, f"at most {MAX_WILDCARDS_PER_RULE} wildcards with host_headers (ALB limit per rule)"
        )
    return RouteSpec(chosen, paths, hosts)


# -- container health checks ----------------------------------------------------------------------

#: ECS container health-check limits, in seconds (retries: a count) and defaults.
CONTAINER_HEALTH_LIMITS: Mapping[str, tuple[int, int, int]] = {
    "interval": (5, 300, 30),
    "timeout": (2, 120, 5),
    "retries": (1, 10, 3),
    "start_period": (0, 300, 0),
}


@dataclass(frozen=True)
class ContainerHealthCheckSpec:
    """A container health check in plain values, every default resolved."""

    command: list[str]
    interval: int
    timeout: int
    retries: int
    start_period: int


def check_container_health_check(
    prop: str,
    *,
    command: object,
    interval: int | None,
    timeout: int | None,
    retries: object,
    start_period: int | None,
) -> ContainerHealthCheckSpec:
    """``["CMD", exe, args...]`` or ``["CMD-SHELL", "one shell line"]``; timings within ECS's limits.

    ``None`` for a timing means ECS's default (interval 30 s, timeout 5 s, retries 3, start period 0 s).
    """
    words = props.strings(f"{prop}.command", command)
    shell_ok = len(words) == 2 and words[0] == "CMD-SHELL" and words[1].strip()
    exec_ok = len(words) >= 2 and words[0] == "CMD" and all(w.strip() for w in words[1:])
    if not (shell_ok or exec_ok):
        raise invalid(
            f"{prop}.command",
            words,
            "['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] (one shell line) or ['CMD', executable, args...]",
        )
    checked = {"retries": None if retries is None else props.integer(f"{prop}.retries", retries)}
    checked.update(interval=interval, timeout=timeout, start_period=start_period)
    values: dict[str, int] = {}
    for name, (low, high, default) in CONTAINER_HEALTH_LIMITS.items():
        value = checked[name]
        values[name] = default if value is None else value
        if not low <= values[name] <= high:
            unit = "" if name == "retries" else " seconds"
            shown: object = values[name] if name == "retries" else f"{values[name]}s"
            raise invalid(f"{prop}.{name}", shown, f"{low} to {high}{unit} (the ECS limit)")
    if values["timeout"] >= values["interval"]:
        raise invalid(
            f"{prop}.timeout",
            f"{values['timeout']}s",
            f"shorter than the interval ({values['interval']}s): a check must end before the next starts",
        )
    return ContainerHealthCheckSpec(command=words, **values)


# -- deployments ----------------------------------------------------------------------------------

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

    @property
    def shifts_traffic(self) -> bool:
        """Blue/green, canary or linear: two target groups and ECS shifting traffic between them."""
        return self.strategy != "ROLLING"


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
) -> DeploymentSpec:
    """Each strategy's settings within ECS's and CloudFormation's limits; none given that the strategy ignores."""
    rolling = strategy == "ROLLING"
    for prop, value in (
        ("deployment.bake_time", bake_minutes),
        ("deployment.step_bake_time", step_bake_minutes),
        ("deployment.percent", percent),
        ("deployment.test_listener_port", test_listener_port),
        ("deployment.rollback_on_5xx", rollback_on_5xx),
    ):
        if rolling and value is not None:
            raise invalid(prop, value, "not given with the ROLLING strategy (it shifts no traffic)")
    if rolling:
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
    return DeploymentSpec(strategy, bake_minutes, share, step_bake_minutes, port, threshold)


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


# -- task hardening and the load balancer's idle timeout -----------------------------------------

_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$")
_PATH = re.compile(r"^(/[A-Za-z0-9._@+-]+)+$")
#: ALB connection idle timeout, seconds.
IDLE_TIMEOUT_SECONDS = (1, 4000)


def check_idle_timeout(seconds: int) -> None:
    """An ALB idle timeout: 1 to 4000 seconds."""
    low, high = IDLE_TIMEOUT_SECONDS
    if not low <= seconds <= high:
        raise invalid("idle_timeout", f"{seconds}s", f"{low} to {high} seconds (the ALB limit)")


def check_user(value: object) -> str | None:
    """``name``, ``uid``, ``name:group`` or ``uid:gid``, not root (leave ``user`` out for the image's own user)."""
    if value is None:
        return None
    user = props.string("user", value)
    if not _USER.match(user):
        raise invalid("user", user, "a user name or uid, optionally ':group' or ':gid' (e.g. '1000:1000')")
    if user.partition(":")[0] in ("root", "0"):
        raise invalid("user", user, "a non-root user: leave user out to run as the image's own user")
    return user


def check_writable_paths(value: object, *, read_only_root_filesystem: bool) -> list[str]:
    """Absolute container paths, each once and none inside another, only with a read-only root filesystem."""
    paths = props.strings("writable_paths", value, empty=True)
    if paths and not read_only_root_filesystem:
        raise invalid(
            "writable_paths", paths, "only with read_only_root_filesystem=True (the root filesystem is writable)"
        )
    for path in paths:
        if not _PATH.match(path) or any(part in (".", "..") for part in path.split("/")):
            raise invalid("writable_paths", path, "an absolute path such as /tmp (no '..', no trailing '/')")
    for path in paths:
        for other in paths:
            if path != other and other.startswith(path + "/"):
                raise invalid("writable_paths", other, f"a path not inside another writable path ({path})")
    if len(set(paths)) != len(paths):
        raise invalid("writable_paths", paths, "each path once")
    return paths
