"""One moto set-up for the tests and ``make bench``: fake credentials, a region, ``mock_aws``.

Also the kill-switch's :class:`Clients` built from a session, so every moto-backed run of the
switch (tests and benchmark) talks to moto the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from buttress._lambda_src.kill_switch.actions import Clients

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_dynamodb import DynamoDBClient

#: moto's default region and account.
REGION = "us-east-1"
ACCOUNT = "123456789012"
#: Credentials botocore accepts and moto ignores, so nothing can reach a real account.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextmanager
def mocked_aws(region: str = REGION) -> Iterator[None]:
    """Fake credentials and ``region`` in ``os.environ`` (put back afterwards) around moto's ``mock_aws``."""
    from moto import mock_aws

    fake = {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": region}
    saved = {var: os.environ.get(var) for var in fake}
    os.environ.update(fake)
    try:
        with mock_aws():
            yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


@cache
def _loader() -> Any:
    """botocore's loader of service models, shared by every session of this process (it caches them)."""
    import botocore.loaders

    return botocore.loaders.create_loader()


def moto_session(region: str = REGION) -> boto3.session.Session:
    """A boto3 session in ``region`` that loads each service model once per process.

    A fresh session re-reads every model it builds a client for (about 0.5 s for the switch's 14
    clients, in each of some 200 tests); the models are the same, so the loader is shared. Each
    session is otherwise new (its own region and credentials), and clients are made inside
    :func:`mocked_aws` as before.
    """
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.register_component("data_loader", _loader())
    return boto3.session.Session(botocore_session=core, region_name=region)


def kill_switch_clients(session: boto3.session.Session, region: str = "") -> Clients:
    """The kill-switch's clients from ``session`` (moto-backed inside :func:`mocked_aws`), in
    ``region`` (default the session's); other regions' are built alike on demand."""

    if region:
        session = moto_session(region)
    return Clients(
        tagging=session.client("resourcegroupstaggingapi"),
        lambda_=session.client("lambda"),
        ecs=session.client("ecs"),
        autoscaling=session.client("application-autoscaling"),
        ec2=session.client("ec2"),
        iam=session.client("iam"),
        dynamodb=session.client("dynamodb"),
        sns=session.client("sns"),
        rds=session.client("rds"),
        asg=session.client("autoscaling"),
        sagemaker=session.client("sagemaker"),
        eks=session.client("eks"),
        apprunner=session.client("apprunner"),
        region=str(session.region_name or ""),
        factory=lambda other: kill_switch_clients(session, other),
    )


def create_records_table(dynamodb: DynamoDBClient, name: str = "records") -> None:
    """The kill switch's records table as the construct defines it (switch, resource keys)."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "switch", "KeyType": "HASH"}, {"AttributeName": "resource", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "switch", "AttributeType": "S"},
            {"AttributeName": "resource", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
