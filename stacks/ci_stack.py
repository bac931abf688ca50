"""``ButtressCi``: a VPC CodeBuild project that integration-tests the internal ``api`` service."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from buttress import AlbFargateService, Network, VpcCodeBuild

#: The integration test: the api must answer ``GET /`` with 200 through its internal load balancer.
#: Retries cover tasks that are still starting; the response and status are kept as artifacts.
INTEGRATION_TEST_SPEC: dict[str, Any] = {
    "version": "0.2",
    "env": {"shell": "bash"},
    "phases": {
        "build": {
            "commands": [
                "mkdir -p reports",
                'echo "integration test against $API_URL"',
                "curl --silent --show-error --retry 5 --retry-connrefused --retry-delay 5 --max-time 10"
                ' --output reports/api-response.txt --write-out "%{http_code}" "$API_URL/" > reports/status.txt',
                'echo "api answered HTTP $(cat reports/status.txt)"',
                'test "$(cat reports/status.txt)" = "200"',
            ]
        }
    },
    "artifacts": {"files": ["reports/**/*"]},
}


class CiStack(Stack):
    """Integration tests in CodeBuild, inside the shared ``Network``, against the internal api.

    The build's security group reaches the api's load balancer on its listener port and nothing
    else but HTTPS; the load balancer admits the build on that port only (``api.allow_from``).
    """

    def __init__(self, scope: Construct, id_: str, *, network: Network, api: AlbFargateService, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        #: The integration-test project.
        self.integration_tests = VpcCodeBuild(
            self,
            "IntegrationTests",
            vpc=network,
            build_spec=INTEGRATION_TEST_SPEC,
            description="Integration tests of the internal api service through its internal load balancer",
            environment_variables={"API_URL": api.url},
            # Tests run one after another on a deploy; two leave room for a manual re-run.
            concurrent_build_limit=2,
            artifacts=True,
        )
        api.allow_from(self.integration_tests, "integration tests (CodeBuild) to the api")
        CfnOutput(
            self,
            "ProjectName",
            value=self.integration_tests.project.project_name,
            description="Start with: aws codebuild start-build --project-name <this>",
        )
