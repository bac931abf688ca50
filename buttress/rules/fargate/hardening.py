"""Task hardening (user, read-only root filesystem, writable paths) and the load balancer's idle timeout.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import re

from buttress.errors import invalid
from buttress.rules import props

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
