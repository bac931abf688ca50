"""What the AlbFargateService tests share: constants, the fixtures' result types, build/fails on the error stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Template

from buttress import (
    AlbFargateService,
    ButtressError,
)
from tests.harness import resources_of_type

REPO = Path(__file__).resolve().parent.parent.parent
DOCKER_APP = REPO / "tests" / "fixtures" / "docker_app"
IMAGE = "public.ecr.aws/nginx/nginx:stable"
CERT_ARN = "arn:aws:acm:us-east-1:111122223333:certificate/abcd-1234"


def make_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)


def one_resource(template: dict[str, Any], type_: str) -> dict[str, Any]:
    found = resources_of_type(template, type_)
    assert len(found) == 1, f"{len(found)} {type_}"
    return next(iter(found.values()))


def logical_id_of(template: dict[str, Any], type_: str, path_part: str) -> str:
    ids = [k for k, v in resources_of_type(template, type_).items() if path_part in v["Metadata"]["aws:cdk:path"]]
    assert len(ids) == 1, ids
    return ids[0]


class Public:
    stack: Stack
    service: AlbFargateService
    template: dict[str, Any]
    assertions: Template


class Internal:
    stack: Stack
    caller_stack: Stack
    api: AlbFargateService
    template: dict[str, Any]
    caller_template: dict[str, Any]
    caller_sg: ec2.SecurityGroup


class Shared:
    stack: Stack
    web: AlbFargateService
    docs: AlbFargateService
    admin: AlbFargateService
    template: dict[str, Any]


class Canary:
    stack: Stack
    web: AlbFargateService
    docs: AlbFargateService
    template: dict[str, Any]


counter = iter(range(1000))


def build(error_stack: tuple[Stack, ec2.Vpc], id_: str | None = None, **props: Any) -> AlbFargateService:
    stack, vpc = error_stack
    defaults: dict[str, Any] = {"vpc": vpc, "image": IMAGE, "protocol": "HTTP"}
    return AlbFargateService(stack, id_ or f"Svc{next(counter)}", **{**defaults, **props})


def fails(error_stack: tuple[Stack, ec2.Vpc], message: str, **props: Any) -> ButtressError:
    """Build a service with ``props``: it fails with ``Errors/<its id>: `` followed by ``message`` (a regex)."""
    id_ = f"Svc{next(counter)}"
    with pytest.raises(ButtressError, match=rf"^Errors/{id_}: {message.removeprefix('^')}") as error:
        build(error_stack, id_, **props)
    assert error.value.path == f"Errors/{id_}"
    return error.value


def make_zone(stack: Stack, name: str = "example.com") -> route53.IHostedZone:
    return route53.HostedZone.from_hosted_zone_attributes(
        stack, f"Zone{next(counter)}", hosted_zone_id="Z0123456789ABC", zone_name=name
    )
