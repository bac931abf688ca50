"""The listener and target group: port, protocol, ingress CIDRs, health check, draining, access-log prefix, URL.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from buttress.errors import invalid
from buttress.options import ListenerProtocol

#: Listener protocols. Plain HTTP exists only as an explicit opt-in.
PROTOCOLS: tuple[str, ...] = tuple(ListenerProtocol)

#: How long CloudFormation waits for an ECS service to reach a steady state before it gives up
#: (about three hours). A deployment whose failure cannot be detected inside this wait leaves the
#: stack hanging instead of letting the circuit breaker roll it back.
CLOUDFORMATION_SERVICE_WAIT_SECONDS = 3 * 60 * 60

_HTTP_CODE_ITEM = re.compile(r"^(\d{3})(?:-(\d{3}))?$")
_LOG_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]*$")


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
