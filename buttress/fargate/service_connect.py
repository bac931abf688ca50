"""ECS Service Connect (``service_connect``): the service publishes its main port under a discovery name in a
Cloud Map namespace and/or calls the endpoints of other services there; each path it calls is opened one-way,
from its tasks to the other service's tasks on that service's port, as ``allow_from`` does.

https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts.html
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from buttress.errors import invalid
from buttress.rules import props as checks
from buttress.rules.fargate.service_connect import PORT_MAPPING_NAME, check_discovery_name, endpoint

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked
    from buttress.fargate.service import AlbFargateService


@dataclass(frozen=True)
class ServiceConnect:
    """Service Connect settings of an :class:`~buttress.AlbFargateService`.

    :param namespace: the Cloud Map namespace (``cluster.add_default_cloud_map_namespace(...)`` or a
        ``servicediscovery.HttpNamespace``/``PrivateDnsNamespace``, imported ones too).
    :param discovery_name: publish the main container port under this name (a DNS label): clients in the
        namespace call ``http://<discovery_name>:<container_port>``. ``None``: a client only.
    :param reaches: services (published in the same namespace) this one calls: each one's task security group
        admits this one's tasks on its port, one-way.
    """

    namespace: servicediscovery.INamespace
    discovery_name: str | None = None
    reaches: Sequence[AlbFargateService] = ()


@dataclass(frozen=True)
class ServiceConnectSpec:
    """``service_connect`` checked."""

    settings: ServiceConnect
    discovery_name: str | None
    reaches: tuple[AlbFargateService, ...]


def check(value: object) -> ServiceConnectSpec | None:
    """``service_connect`` type-checked, its discovery name and the services it reaches checked."""
    if value is None:
        return None
    settings = checks.instance("service_connect", value, ServiceConnect, "a buttress.ServiceConnect")
    checks.interface(
        "service_connect.namespace", settings.namespace, ("namespace_arn",), "a servicediscovery.INamespace"
    )
    name = check_discovery_name(settings.discovery_name)
    reaches = settings.reaches
    if isinstance(reaches, str) or not isinstance(reaches, Sequence):
        raise invalid("service_connect.reaches", reaches, "a list of AlbFargateService")
    for index, other in enumerate(reaches):
        endpoint_ = getattr(other, "service_connect_endpoint", None)
        if endpoint_ is None:
            raise invalid(
                f"service_connect.reaches[{index}]",
                getattr(getattr(other, "node", None), "path", other),
                "an AlbFargateService publishing a Service Connect endpoint (service_connect with discovery_name)",
            )
        theirs = other.service_connect_namespace
        if theirs is None or theirs.namespace_arn != settings.namespace.namespace_arn:
            raise invalid(f"service_connect.reaches[{index}]", other.node.path, "a service in the same namespace")
    return ServiceConnectSpec(settings, name, tuple(reaches))


def enable(scope: Construct, checked: Checked, service: ecs.FargateService) -> str | None:
    """Service Connect on ``service``, the paths to the reached services opened; the published endpoint."""
    spec = checked.service_connect
    if spec is None:
        return None
    port = checked.plain.container_port
    service.enable_service_connect(
        namespace=spec.settings.namespace.namespace_arn,
        services=None
        if spec.discovery_name is None
        else [
            ecs.ServiceConnectService(
                port_mapping_name=PORT_MAPPING_NAME, discovery_name=spec.discovery_name, port=port
            )
        ],
    )
    here = Stack.of(scope).node.path
    for other in spec.reaches:
        other_port = ec2.Port.tcp(other.container.container_port)
        text = f"Service Connect from {scope.node.path}"
        for group in service.connections.security_groups:
            # In the caller's stack when the callee is elsewhere (the callee usually exports nothing to it).
            other.task_security_group.add_ingress_rule(
                group, other_port, text, remote_rule=Stack.of(other).node.path != here
            )
    return None if spec.discovery_name is None else endpoint(spec.discovery_name, port)


def port_mapping_name(checked: Checked) -> str | None:
    """The main port mapping's name when Service Connect publishes it (it publishes a named port mapping)."""
    spec = checked.service_connect
    return None if spec is None or spec.discovery_name is None else PORT_MAPPING_NAME
