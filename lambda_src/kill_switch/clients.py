"""Build the real boto3 clients, at call time (never at import)."""

from __future__ import annotations

from typing import Any

from .actions import Clients


def clients_from(session: Any) -> Clients:
    """:class:`Clients` from a ``boto3.session.Session``, with botocore's standard retry mode."""
    from botocore.config import Config as BotoConfig

    config = BotoConfig(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)

    def client(name: str) -> Any:  # each field of Clients is typed with its own stub
        return session.client(name, config=config)

    return Clients(
        tagging=client("resourcegroupstaggingapi"),
        lambda_=client("lambda"),
        ecs=client("ecs"),
        autoscaling=client("application-autoscaling"),
        ec2=client("ec2"),
        iam=client("iam"),
        dynamodb=client("dynamodb"),
        sns=client("sns"),
        rds=client("rds"),
        asg=client("autoscaling"),
        sagemaker=client("sagemaker"),
        eks=client("eks"),
        apprunner=client("apprunner"),
    )
