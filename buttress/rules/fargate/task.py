"""The task: Fargate sizes, capacity and scaling bounds, containers, environment and sidecars.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from buttress.errors import invalid
from buttress.options import CpuArchitecture
from buttress.rules import props
from buttress.rules.fargate.listener import check_port

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

#: Tasks kept on regular Fargate when ``spot=True`` and ``on_demand_base`` is not given.
DEFAULT_ON_DEMAND_BASE = 1

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")


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
