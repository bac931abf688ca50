"""``ButtressWebService``: a public ``web`` service (and ``docs`` on its load balancer) calling an internal ``api``."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, CfnOutput, Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_servicediscovery as servicediscovery
from constructs import Construct

from buttress import AlbFargateService, Deployment, ListenerProtocol, Network, ServiceConnect
from buttress.alb_fargate import PLAIN_HTTP_WARNING
from buttress.errors import ButtressError
from buttress.parts import nag

#: The image the example services run (a registry image: no Docker engine needed to synth).
EXAMPLE_IMAGE = "public.ecr.aws/nginx/nginx:stable"


#: Where nginx writes (cache, pid file, temp files): ephemeral volumes under a read-only root filesystem.
#: (nginx binds port 80 as root and drops to its ``nginx`` workers, so ``user`` stays the image's.)
NGINX_WRITABLE_PATHS = ["/var/cache/nginx", "/var/run", "/tmp"]


def container_health_check() -> ecs.HealthCheck:
    """nginx answers on localhost (the image ships curl); a fresh task gets 10 s to start."""
    return ecs.HealthCheck(
        command=["CMD-SHELL", "curl -fsS -o /dev/null http://localhost/ || exit 1"],
        interval=Duration.seconds(30),
        timeout=Duration.seconds(5),
        retries=3,
        start_period=Duration.seconds(10),
    )


class WebServiceStack(Stack):
    """Services that scale on their own (one service per tier, not one task for both): a public ``web``
    behind a WAF, ``docs`` on web's load balancer at ``/docs/*``, and an internal ``api`` released by canary.

    Context (``cdk synth -c name=value``):

    * ``web_certificate_arn``: ACM certificate of the public ``web`` service. Without it, ``web``
      serves plain HTTP: an explicit ``protocol="HTTP"`` whose warning is acknowledged here, so
      ``make synth`` works offline and without a certificate. Never run that mode in production.
    * ``api_certificate_arn``: the same for the internal ``api`` service.
    * ``web_domain``, ``hosted_zone_id``, ``hosted_zone_name`` (all three or none): ``web`` answers at
      ``https://<web_domain>`` and ``api`` at ``https://api.<hosted_zone_name>``, each with a
      DNS-validated certificate (unless its certificate ARN is given) and an alias record in that
      public zone (the api's record resolves to its internal load balancer's private addresses).
    """

    def __init__(self, scope: Construct, id_: str, *, network: Network, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        zone = self._hosted_zone()
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=network.vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        #: The Service Connect namespace the web service reaches the api through (issue 26).
        self.namespace = self.cluster.add_default_cloud_map_namespace(
            name="buttress.internal", type=servicediscovery.NamespaceType.HTTP, use_for_service_connect=True
        )
        # What every example service shares: network, cluster, image, health check, read-only root.
        common: dict[str, Any] = {
            "vpc": network,
            "cluster": self.cluster,
            "image": EXAMPLE_IMAGE,
            "container_health_check": container_health_check(),
            "read_only_root_filesystem": True,
            "writable_paths": NGINX_WRITABLE_PATHS,
        }

        #: The internal API: reachable only through its internal load balancer, by whoever
        #: ``api.allow_from(...)`` admits (the web service here, CodeBuild integration tests elsewhere).
        self.api = self._api(common, zone)
        #: The public web tier; it calls the API at ``API_URL``, its Service Connect endpoint (``http://api:80``),
        #: its tasks admitted by the api's tasks on that port only.
        self.web = AlbFargateService(
            self,
            "Web",
            **common,
            environment={"API_URL": self.api.service_connect_endpoint or self.api.url},
            service_connect=ServiceConnect(namespace=self.namespace, reaches=[self.api]),
            min_capacity=2,
            max_capacity=4,
            scale_on_cpu_percent=70,
            scale_on_requests_per_target=1000,
            access_logs_bucket=self.api.access_logs_bucket,
            **self._tls("web", "web_certificate_arn", zone, self.node.try_get_context("web_domain")),
        )
        #: Documentation at ``/docs/*`` on the web service's load balancer (its listener, WAF and logs).
        self.docs = AlbFargateService(
            self,
            "Docs",
            **common,
            load_balancer_of=self.web,
            priority=10,
            path_patterns=["/docs/*"],
            min_capacity=2,
            max_capacity=3,
            scale_on_cpu_percent=70,
        )
        self.api.allow_from(self.web, "web service to the api")
        self._acknowledgements()

        CfnOutput(self, "WebUrl", value=self.web.url, description="URL of the public web service")
        CfnOutput(self, "DocsUrl", value=self.docs.url, description="URL of the docs, on the web load balancer")
        CfnOutput(self, "ApiUrl", value=self.api.url, description="URL of the internal api (inside the VPC only)")

    def _api(self, common: dict[str, Any], zone: route53.IHostedZone | None) -> AlbFargateService:
        """The internal api, released by canary."""
        return AlbFargateService(
            self,
            "Api",
            **common,
            internal=True,
            service_connect=ServiceConnect(namespace=self.namespace, discovery_name="api"),
            min_capacity=2,
            max_capacity=10,
            scale_on_cpu_percent=60,
            scale_on_memory_percent=75,
            # A new api revision gets 10 % of the traffic for 5 minutes first (the canary release of the
            # Wag! post), then all of it; the old one stays 10 minutes to roll back to. Its 5xx alarm, or
            # failing tasks, roll it back. The test listener reaches the new revision before production.
            deployment=Deployment.canary(
                percent=10,
                step_bake_time=Duration.minutes(5),
                bake_time=Duration.minutes(10),
                test_listener_port=8443 if zone or self.node.try_get_context("api_certificate_arn") else 8080,
            ),
            **self._tls("api", "api_certificate_arn", zone, None if zone is None else f"api.{zone.zone_name}"),
        )

    def _acknowledgements(self) -> None:
        """The example's deliberate choices: HTTP-only without certificates, API_URL as plain configuration."""
        for service, context_key in ((self.api, "api_certificate_arn"), (self.web, "web_certificate_arn")):
            if service.protocol is ListenerProtocol.HTTP:
                # Acknowledged on that service only, so any other plain-HTTP service still warns.
                Annotations.of(service).acknowledge_warning(
                    PLAIN_HTTP_WARNING,
                    f"Example stack without -c {context_key}=...: plain HTTP so it synthesizes offline; "
                    "pass a certificate ARN for HTTPS.",
                )
                # The production listener and, with a traffic-shifting deployment, its test listener.
                for listener in filter(None, (service.listener, service.test_listener)):
                    nag.acknowledge_rule(
                        listener,
                        "ALBHttpToHttpsRedirection",
                        f"Example stack without -c {context_key}=...: plain HTTP so it synthesizes offline (no "
                        "certificate, so nothing to redirect to); pass a certificate ARN for HTTPS with a redirect.",
                        guard=["alb_http_to_https_redirection_check"],
                    )
                    nag.acknowledge_rule(
                        listener,
                        "ELBv2ACMCertificateRequired",
                        f"Example stack without -c {context_key}=...: a plain-HTTP listener has no certificate; "
                        "pass an ACM certificate ARN for HTTPS.",
                    )
        nag.acknowledge(
            self.web.task_definition,
            "AwsSolutions-ECS2",
            "The only plain variable is API_URL, the api's Service Connect address: "
            "configuration, not a secret. Secrets go through the construct's `secrets` prop.",
        )

    def _hosted_zone(self) -> route53.IHostedZone | None:
        """The public zone from context (``hosted_zone_id`` and ``hosted_zone_name``, with ``web_domain``)."""
        keys = ("web_domain", "hosted_zone_id", "hosted_zone_name")
        values = {key: self.node.try_get_context(key) for key in keys}
        if not any(values.values()):
            return None
        missing = [key for key, value in values.items() if not value]
        if missing:
            raise ButtressError(
                f"context {', '.join(missing)} missing: give -c web_domain=... -c hosted_zone_id=... "
                "-c hosted_zone_name=... together, or none of them",
                path=self.node.path,
            )
        return route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=values["hosted_zone_id"], zone_name=values["hosted_zone_name"]
        )

    def _tls(
        self, name: str, context_key: str, zone: route53.IHostedZone | None, domain_name: str | None
    ) -> dict[str, Any]:
        """HTTPS with the certificate from context or issued for the domain, else the documented HTTP-only mode."""
        arn = self.node.try_get_context(context_key)
        domain = {} if zone is None else {"domain_name": domain_name, "hosted_zone": zone}
        if arn:
            return {
                "protocol": ListenerProtocol.HTTPS,
                "certificate": acm.Certificate.from_certificate_arn(self, f"{name}Cert", arn),
                **domain,
            }
        if domain:
            return {"protocol": ListenerProtocol.HTTPS, **domain}
        return {"protocol": ListenerProtocol.HTTP}
