"""``AlbFargateService``: a Fargate service behind an Application Load Balancer, secure by default.

One module per concern:

* ``service``: the construct, a table of contents of the builders below;
* ``props``: ``AlbFargateServiceProps``, its keyword arguments in one typed object;
* ``checks``, ``checks_task``, ``checks_placement``: every prop checked in one call before any resource exists;
* ``task``: ``Sidecar``, the cluster, ECS Exec logging, the task definition, containers and the ECS service;
* ``load_balancer``: the load balancer (own or shared), target groups, listeners and ingress;
* ``access_logs``: the access-logs bucket and ELB's delivery into it;
* ``domain``: the certificate and the alias records;
* ``deployment``: ``Deployment``, traffic shifting, the test listener and rollback alarms;
* ``waf``: ``Waf`` and the web ACL;
* ``scaling``: task-count scaling;
* ``compliance``: cdk-nag and cfn-guard acknowledgements.
"""

from buttress.fargate.checks import DEFAULT_SSL_POLICY, props_protocol
from buttress.fargate.deployment import Deployment
from buttress.fargate.extra_ports import ExtraPort
from buttress.fargate.load_balancer import PLAIN_HTTP_WARNING
from buttress.fargate.props import AlbFargateServiceProps, LoadBalancerSettings
from buttress.fargate.service import AlbFargateService
from buttress.fargate.service_connect import ServiceConnect
from buttress.fargate.task import Sidecar
from buttress.fargate.waf import MANAGED_RULE_GROUPS, WAF_METADATA, Waf

__all__ = [
    "DEFAULT_SSL_POLICY",
    "MANAGED_RULE_GROUPS",
    "PLAIN_HTTP_WARNING",
    "WAF_METADATA",
    "AlbFargateService",
    "AlbFargateServiceProps",
    "Deployment",
    "ExtraPort",
    "LoadBalancerSettings",
    "ServiceConnect",
    "Sidecar",
    "Waf",
    "props_protocol",
]
