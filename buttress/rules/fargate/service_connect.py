"""ECS Service Connect (``service_connect``): publish the main port in a Cloud Map namespace, reach other services.

Pure rules, no CDK import; each raises ``invalid(prop, value, allowed)``.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts.html
"""

from __future__ import annotations

import re

from buttress.errors import invalid

#: The name of the main container's port mapping, which Service Connect publishes (ECS: lowercase letters,
#: digits, underscores and hyphens, not starting with a hyphen, at most 64 characters).
PORT_MAPPING_NAME = "http"
# A discovery name is a Cloud Map service name and the short DNS name clients call: a DNS label
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectService.html
_DISCOVERY_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def check_discovery_name(value: object) -> str | None:
    """``service_connect.discovery_name``: ``None`` (a client only) or a lowercase DNS label."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DISCOVERY_NAME.match(value):
        raise invalid(
            "service_connect.discovery_name",
            value,
            "a DNS label: lowercase letters, digits and hyphens, 1-63 characters, not starting or ending with '-'",
        )
    return value


def endpoint(discovery_name: str, port: int) -> str:
    """The URL clients in the namespace call."""
    return f"http://{discovery_name}:{port}"
