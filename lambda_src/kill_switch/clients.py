"""Build the real boto3 clients, at call time (never at import)."""

from __future__ import annotations

from typing import Any

from .actions import Clients


def clients_from(session: Any, region: str = "") -> Clients:
    """:class:`Clients` from a ``boto3.session.Session`` (in ``region``, default the session's),
    with botocore's standard retry mode; :meth:`Clients.in_region` builds other regions' alike."""
    from botocore.config import Config as BotoConfig

    config = BotoConfig(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)

    def client(name: str) -> Any:  # each field of Clients is typed with its own stub
        return session.client(name, config=config, **({"region_name": region} if region else {}))

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
        organizations=client("organizations"),
        region=region or str(session.region_name or ""),
        factory=lambda other: clients_from(session, other),
    )
