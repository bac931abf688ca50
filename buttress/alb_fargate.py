"""Compatibility module: ``AlbFargateService`` and its public names now live in :mod:`buttress.fargate`."""

from buttress.fargate import (
    DEFAULT_SSL_POLICY,
    MANAGED_RULE_GROUPS,
    PLAIN_HTTP_WARNING,
    WAF_METADATA,
    AlbFargateService,
    AlbFargateServiceProps,
    Deployment,
    LoadBalancerSettings,
    Sidecar,
    Waf,
    props_protocol,
)

__all__ = [
    "DEFAULT_SSL_POLICY",
    "MANAGED_RULE_GROUPS",
    "PLAIN_HTTP_WARNING",
    "WAF_METADATA",
    "AlbFargateService",
    "AlbFargateServiceProps",
    "Deployment",
    "LoadBalancerSettings",
    "Sidecar",
    "Waf",
    "props_protocol",
]
