"""The dashboard of a ``FanoutTopic``: the six SNS filtering and delivery metrics."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from buttress.rules.fanout import FILTERING_METRICS


def dashboard(
    scope: Construct, dashboard_name: str | None, metric: Callable[[str], cloudwatch.IMetric]
) -> cloudwatch.Dashboard:
    """Filtering (five metrics) beside delivery failures; ``metric`` gives a topic metric by name."""
    return cloudwatch.Dashboard(
        scope,
        "Dashboard",
        dashboard_name=dashboard_name,
        widgets=[
            [
                cloudwatch.GraphWidget(
                    title="SNS message filtering",
                    left=[metric(name) for name in FILTERING_METRICS[:5]],
                    width=16,
                ),
                cloudwatch.GraphWidget(
                    title="SNS delivery failures",
                    left=[metric(FILTERING_METRICS[5])],
                    width=8,
                ),
            ]
        ],
    )
