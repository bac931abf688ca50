"""Container health checks within the ECS limits.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from buttress.errors import invalid
from buttress.rules import props

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
