"""``ButtressWebService``: a public ``web`` service calling an internal ``api`` service, on the shared Network."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, CfnOutput, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from buttress import AlbFargateService, ListenerProtocol, Network
from buttress.alb_fargate import PLAIN_HTTP_WARNING
from buttress.parts import nag

#: The image both example services run (a registry image: no Docker engine needed to synth).
EXAMPLE_IMAGE = "public.ecr.aws/nginx/nginx:stable"


class WebServiceStack(Stack):
    """Two services that scale on their own (one service per tier, not one task for both), web -> internal api.

    Context (``cdk synth -c name=value``):

    * ``web_certificate_arn``: ACM certificate of the public ``web`` service. Without it, ``web``
      serves plain HTTP: an explicit ``protocol="HTTP"`` whose warning is acknowledged here, so
      ``make synth`` works offline and without a certificate. Never run that mode in production.
    * ``api_certificate_arn``: the same for the internal ``api`` service.
    """

    def __init__(self, scope: Construct, id_: str, *, network: Network, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=network.vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )

        #: The internal API: reachable only through its internal load balancer, by whoever
        #: ``api.allow_from(...)`` admits (the web service here, CodeBuild integration tests elsewhere).
        self.api = AlbFargateService(
            self,
            "Api",
            vpc=network,
            cluster=self.cluster,
            image=EXAMPLE_IMAGE,
            internal=True,
            min_capacity=2,
            max_capacity=10,
            scale_on_cpu_percent=60,
            scale_on_requests_per_target=500,
            **self._tls("api", "api_certificate_arn"),
        )
        #: The public web tier; it finds the API under ``API_URL``.
        self.web = AlbFargateService(
            self,
            "Web",
            vpc=network,
            cluster=self.cluster,
            image=EXAMPLE_IMAGE,
            environment={"API_URL": self.api.url},
            min_capacity=2,
            max_capacity=4,
            scale_on_cpu_percent=70,
            scale_on_requests_per_target=1000,
            access_logs_bucket=self.api.access_logs_bucket,
            **self._tls("web", "web_certificate_arn"),
        )
        self.api.allow_from(self.web, "web service to the api")
        for service, context_key in ((self.api, "api_certificate_arn"), (self.web, "web_certificate_arn")):
            if service.protocol is ListenerProtocol.HTTP:
                # Acknowledged on that service only, so any other plain-HTTP service still warns.
                Annotations.of(service).acknowledge_warning(
                    PLAIN_HTTP_WARNING,
                    f"Example stack without -c {context_key}=...: plain HTTP so it synthesizes offline; "
                    "pass a certificate ARN for HTTPS.",
                )
        nag.acknowledge(
            self.web.task_definition,
            "AwsSolutions-ECS2",
            "The only plain variable is API_URL, the internal load balancer's address: "
            "configuration, not a secret. Secrets go through the construct's `secrets` prop.",
        )

        CfnOutput(self, "WebUrl", value=self.web.url, description="URL of the public web service")
        CfnOutput(self, "ApiUrl", value=self.api.url, description="URL of the internal api (inside the VPC only)")

    def _tls(self, name: str, context_key: str) -> dict[str, Any]:
        """HTTPS with the certificate from context, else the documented HTTP-only mode (acknowledged above)."""
        arn = self.node.try_get_context(context_key)
        if arn:
            return {
                "protocol": ListenerProtocol.HTTPS,
                "certificate": acm.Certificate.from_certificate_arn(self, f"{name}Cert", arn),
            }
        return {"protocol": ListenerProtocol.HTTP}
