"""``ButtressCi``: a VPC CodeBuild project that integration-tests the internal ``api`` service."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from buttress import AlbFargateService, Network, VpcCodeBuild
from stacks.operators import OperatorTopic, stack_key

#: The test suites the batch runs side by side, one build each: ``GET /`` once, and ten times in a row.
SUITES: dict[str, int] = {"smoke": 1, "stability": 10}

#: The integration tests: a build matrix over :data:`SUITES`. Each build sends its suite's requests
#: to the api through its internal load balancer (retries cover tasks that are still starting),
#: writes a JUnit report of them, and fails unless every request was answered 200.
INTEGRATION_TEST_SPEC: dict[str, Any] = {
    "version": "0.2",
    "env": {"shell": "bash"},
    "batch": {
        "fast-fail": False,
        "build-matrix": {"dynamic": {"env": {"variables": {"SUITE": list(SUITES)}}}},
    },
    "phases": {
        "build": {
            "commands": [
                "mkdir -p reports",
                'case "$SUITE" in '
                + " ".join(f"{name}) REQUESTS={count};;" for name, count in SUITES.items())
                + ' *) echo "unknown suite $SUITE"; exit 1;; esac',
                'echo "suite $SUITE: $REQUESTS requests to $API_URL"',
                'FAILURES=0; CASES=""',
                "for i in $(seq 1 $REQUESTS); do"
                " CODE=$(curl --silent --show-error --retry 5 --retry-connrefused --retry-delay 5 --max-time 10"
                ' --output reports/api-response.txt --write-out "%{http_code}" "$API_URL/" || true);'
                ' if [ "$CODE" = "200" ]; then CASES="$CASES<testcase classname=\\"$SUITE\\" name=\\"GET / #$i\\"/>";'
                " else FAILURES=$((FAILURES + 1));"
                ' CASES="$CASES<testcase classname=\\"$SUITE\\" name=\\"GET / #$i\\">'
                '<failure message=\\"HTTP $CODE\\"/></testcase>"; fi; done',
                'echo "<testsuite name=\\"$SUITE\\" tests=\\"$REQUESTS\\" failures=\\"$FAILURES\\">$CASES</testsuite>"'
                ' > "reports/junit-$SUITE.xml"',
                'echo "suite $SUITE: $FAILURES of $REQUESTS requests failed"',
                'test "$FAILURES" = "0"',
            ]
        }
    },
    "artifacts": {"files": ["reports/**/*"]},
}

#: The JUnit reports the builds write, published to the ``integration`` report group.
INTEGRATION_REPORTS: dict[str, dict[str, Any]] = {
    "integration": {"files": ["junit-*.xml"], "file-format": "JUNITXML", "base-directory": "reports"},
}


class CiStack(Stack):
    """Integration tests in CodeBuild, inside the shared ``Network``, against the internal api.

    The tests run as a batch: a build matrix over two suites (:data:`SUITES`), whose builds
    publish JUnit reports to one report group. The build's security group reaches the api's load
    balancer on its listener port and nothing else but HTTPS; the load balancer admits the build
    on that port only (``api.allow_from``).
    """

    def __init__(self, scope: Construct, id_: str, *, network: Network, api: AlbFargateService, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        #: Where the failed-builds alarm goes (an e-mail to the operators).
        self.operators = OperatorTopic(self, "Operators", key=stack_key(self))
        #: The integration-test project.
        self.integration_tests = VpcCodeBuild(
            self,
            "IntegrationTests",
            vpc=network,
            build_spec=INTEGRATION_TEST_SPEC,
            description="Integration tests of the internal api service through its internal load balancer",
            environment_variables={"API_URL": api.url},
            # Tests run one after another on a deploy; two leave room for a manual re-run. Each is a
            # batch of len(SUITES) builds, so the subnets must hold 2 x 2 builds at once.
            concurrent_build_limit=2,
            batch=True,
            batch_max_builds=len(SUITES),
            artifacts=True,
            reports=INTEGRATION_REPORTS,
            alarm_action=self.operators.alarm_action,
        )
        api.allow_from(self.integration_tests, "integration tests (CodeBuild) to the api")
        CfnOutput(
            self,
            "ProjectName",
            value=self.integration_tests.project.project_name,
            description="Start with: aws codebuild start-build-batch --project-name <this>",
        )
        CfnOutput(
            self,
            "ReportGroupArn",
            value=self.integration_tests.report_groups["integration"].report_group_arn,
            description="JUnit reports of the integration suites",
        )
