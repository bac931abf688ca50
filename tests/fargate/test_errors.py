"""AlbFargateService synth-time errors: a bad or mistyped prop is a ButtressError naming construct, prop, value."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template

from buttress import (
    AlbFargateService,
    ButtressError,
    CpuArchitecture,
    ListenerProtocol,
    Sidecar,
)
from tests.fargate.helpers import (
    CERT_ARN,
    DOCKER_APP,
    IMAGE,
    REPO,
    build,
    counter,
    fails,
    make_vpc,
    one_resource,
)
from tests.harness import new_stack

# -- synth-time errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cpu": 256, "memory_mib": 4096}, r"^memory_mib=4096 is invalid: with cpu=256 one of the Fargate pairs"),
        ({"cpu": 100}, r"^cpu=100 is invalid"),
        ({"container_port": 0}, r"^container_port=0 is invalid: a TCP port from 1 to 65535"),
        ({"container_port": 65536}, r"^container_port=65536 is invalid"),
        ({"listener_port": 70000}, r"^listener_port=70000 is invalid"),
        ({"min_capacity": 5, "max_capacity": 3}, r"^min_capacity=5 is invalid: at most max_capacity \(3\)"),
        ({"protocol": "HTTPS"}, r"^certificate=None is invalid: an ACM certificate when protocol='HTTPS'"),
        (
            {"internal": True, "ingress_cidrs": ["0.0.0.0/0"]},
            r"^ingress_cidrs='0.0.0.0/0' is invalid: no internet-wide CIDR on an internal service",
        ),
        (
            {"health_check_grace_period": Duration.hours(3)},
            r"^health_check_grace_period='10800s' is invalid: 0 to 10755s",
        ),
        (
            {"health_check_grace_period": Duration.millis(1500)},
            r"^health_check_grace_period='1 second 500 millis' is invalid: a whole number of seconds",
        ),
        ({"deregistration_delay": Duration.hours(2)}, r"^deregistration_delay='7200s'"),
        ({"max_capacity": 4, "scale_on_cpu_percent": None}, r"^max_capacity=4 is invalid: equal to min_capacity"),
        ({"image": None}, r"^image=None is invalid: exactly one of image"),
        ({"docker_directory": DOCKER_APP}, r"^image=.* is invalid: exactly one of image"),
        ({"image": None, "docker_directory": REPO / "docs"}, r"^docker_directory=.* is invalid: an existing folder"),
        (
            {"task_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)},
            r"^task_subnets=.* is invalid: private subnets",
        ),
        ({"environment": {"A": "1"}, "secrets": "from SSM"}, r"^secrets=\['A'\]"),
        (
            {"sidecars": [Sidecar(name="proxy", image=IMAGE, port=80)]},
            r"^sidecars\[0\]\.port=80 is invalid: .*'app' already listens on 80",
        ),
        ({"health_check_codes": "2xx"}, r"^health_check_codes='2xx'"),
        ({"cpu_architecture": "arm64"}, r"^cpu_architecture='arm64'"),
        ({"access_logs_prefix": "AWSLogs/x"}, r"^access_logs_prefix="),
        (
            {"protocol": "HTTPS", "redirect_http": True, "listener_port": 80, "certificate": "cert"},
            r"^listener_port=80 is invalid: not 80 while redirect_http=True",
        ),
    ],
)
def test_bad_props_fail_at_synth_naming_prop_value_and_allowed(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    stack, _ = error_stack
    if props.get("certificate") == "cert":
        props["certificate"] = acm.Certificate.from_certificate_arn(stack, f"Cert{next(counter)}", CERT_ARN)
    if "secrets" in props:
        param = ssm.StringParameter.from_string_parameter_name(stack, f"P{next(counter)}", "/x")
        props["secrets"] = {"A": ecs.Secret.from_ssm_parameter(param)}
    fails(error_stack, message, **props)


def test_http_with_a_certificate_is_an_error_not_an_unused_certificate(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    stack, _ = error_stack
    cert = acm.Certificate.from_certificate_arn(stack, "UnusedCert", CERT_ARN)
    fails(error_stack, r"protocol='HTTP' is invalid: 'HTTPS' when a certificate is given", certificate=cert)


def test_spot_needs_a_cluster_it_can_enable_fargate_spot_on(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    stack, vpc = error_stack
    imported = ecs.Cluster.from_cluster_attributes(stack, "Imported", cluster_name="shared", vpc=vpc)
    fails(error_stack, r"cluster='shared' is invalid: a cluster created in this app", cluster=imported, spot=True)


# -- every prop is type-checked, and the message names the construct ---------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"min_capacity": "2"}, "min_capacity='2' is invalid: a whole number (int), not str"),
        ({"environment": {"PORT": 8080}}, "environment['PORT']=8080 is invalid: a string (write '8080'), not int"),
        (
            {"ingress_cidrs": "10.0.0.0/8"},
            "ingress_cidrs='10.0.0.0/8' is invalid: a list of strings, not one string: write ['10.0.0.0/8']",
        ),
        (
            {"command": "nginx -g daemon"},
            "command='nginx -g daemon' is invalid: a list of strings, not one string: write ['nginx -g daemon']",
        ),
        ({"scale_on_cpu_percent": "70"}, "scale_on_cpu_percent='70' is invalid: a number, not str"),
        ({"spot": "yes"}, "spot='yes' is invalid: True or False, not str"),
        ({"listener_port": "8080"}, "listener_port='8080' is invalid: a whole number (int), not str"),
        (
            {"health_check_interval": 15},
            "health_check_interval=15 is invalid: a Duration such as Duration.seconds(30), not int",
        ),
        ({"removal_policy": "DESTROY"}, "removal_policy='DESTROY' is invalid: a RemovalPolicy, not str"),
        ({"certificate": CERT_ARN}, f"certificate='{CERT_ARN}' is invalid: an acm.ICertificate, not str"),
        (
            {"secrets": {"A": "x"}},
            "secrets['A']='x' is invalid: an ecs.Secret (from_ssm_parameter, from_secrets_manager), not str",
        ),
        (
            {"sidecars": [Sidecar(name="proxy", image=IMAGE, environment={"A": 1})]},  # type: ignore[dict-item]
            "sidecars[0].environment['A']=1 is invalid: a string (write '1'), not int",
        ),
        (
            {"vpc": "vpc-123"},
            "vpc='vpc-123' is invalid: a buttress.Network or an ec2.IVpc (e.g. ec2.Vpc(...) or "
            "ec2.Vpc.from_lookup(...)), not str",
        ),
        (
            {"cpu_architecture": "arm64"},
            "cpu_architecture='arm64' is invalid: one of 'X86_64', 'ARM64' (did you mean 'ARM64'?)",
        ),
        ({"protocol": "https"}, "protocol='https' is invalid: one of 'HTTPS', 'HTTP' (did you mean 'HTTPS'?)"),
    ],
)
def test_a_mistyped_prop_is_a_buttress_error_naming_construct_prop_and_value(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    id_ = f"Svc{next(counter)}"
    with pytest.raises(ButtressError) as error:
        build(error_stack, id_, **props)
    assert str(error.value) == f"Errors/{id_}: {message}"


def test_with_two_services_in_a_stack_the_wrong_one_is_named() -> None:
    stack = new_stack("Two")
    vpc = make_vpc(stack)
    common: dict[str, Any] = {"vpc": vpc, "image": IMAGE, "protocol": "HTTP", "min_capacity": 1, "max_capacity": 1}
    AlbFargateService(stack, "Api", scale_on_cpu_percent=None, **common)
    with pytest.raises(ButtressError) as error:
        AlbFargateService(stack, "Web", environment={"PORT": 8080}, **common)  # type: ignore[dict-item]
    assert str(error.value) == "Two/Web: environment['PORT']=8080 is invalid: a string (write '8080'), not int"
    assert error.value.prop == "environment['PORT']"


# -- nothing silently ignored ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"ssl_policy": elbv2.SslPolicy.TLS12},
            "ssl_policy=<SslPolicy.TLS12: 'TLS12'> is invalid: not given with protocol='HTTP': "
            "a plain HTTP listener has no TLS policy",
        ),
        (
            {"redirect_http": False},
            "redirect_http=False is invalid: not given with protocol='HTTP': there is no HTTPS listener to redirect to",
        ),
        (
            {"on_demand_base": 2},
            "on_demand_base=2 is invalid: only with spot=True: without Spot every task runs on regular Fargate",
        ),
        (
            {
                "min_capacity": 1,
                "max_capacity": 1,
                "scale_on_cpu_percent": None,
                "scale_in_cooldown": Duration.minutes(2),
            },
            "scale_in_cooldown='120s' is invalid: only with a scaling policy (none is set)",
        ),
    ],
)
def test_a_prop_without_effect_in_the_chosen_mode_is_an_error_naming_the_mode(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    id_ = f"Svc{next(counter)}"
    with pytest.raises(ButtressError) as error:
        build(error_stack, id_, **props)
    assert str(error.value) == f"Errors/{id_}: {message}"


def test_https_options_given_explicitly_are_used() -> None:
    stack = new_stack("Explicit")
    AlbFargateService(
        stack,
        "Svc",
        vpc=make_vpc(stack),
        image=IMAGE,
        protocol=ListenerProtocol.HTTPS,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        ssl_policy=elbv2.SslPolicy.TLS13_RES,
        redirect_http=False,
        cpu_architecture=CpuArchitecture.ARM64,
    )
    template = dict(Template.from_stack(stack).to_json())
    listener = one_resource(template, "AWS::ElasticLoadBalancingV2::Listener")["Properties"]
    assert (listener["Port"], listener["Protocol"], listener["SslPolicy"]) == (
        443,
        "HTTPS",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    )
    task = one_resource(template, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"


def test_exec_with_a_read_only_root_filesystem_is_refused(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    # ECS Exec's considerations: the SSM agent must write to the container's filesystem.
    fails(
        error_stack,
        r"enable_exec=True is invalid: .*read_only_root_filesystem=True.*ecs-exec.html",
        enable_exec=True,
        read_only_root_filesystem=True,
    )


def test_error_messages_say_what_an_object_is_not_its_repr(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    # Issue 22: messages printed '<jsii._reference_map.InterfaceDynamicProxy object at 0x...>' and
    # "'${Token[TOKEN.2591]}'".
    from aws_cdk import Fn, Token
    from aws_cdk import aws_ecs as ecs

    from buttress.errors import describe

    stack, _ = error_stack
    cluster = ecs.Cluster.from_cluster_arn(stack, "ReprCluster", "arn:aws:ecs:us-east-1:111122223333:cluster/x")
    assert describe(cluster) == "<a jsii object implementing ICluster at 'Errors/ReprCluster'>"
    assert describe(Fn.get_att("X", "Name").to_string()).startswith("<a value known only at deploy time")
    assert describe(Token.as_number(Fn.get_att("X", "N"))) == "<a number known only at deploy time (a CDK token)>"
    assert describe(["a", 1, 2.5, None]) == "['a', 1, 2.5, None]"
    error = fails(
        error_stack,
        r"health_check_path=<a value known only at deploy time",
        health_check_path=Fn.get_att("X", "P").to_string(),
    )
    assert "Token[" not in str(error)
