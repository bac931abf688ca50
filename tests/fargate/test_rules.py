"""The pure synth-time rules of AlbFargateService (no CDK, no synthesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from buttress import ButtressError
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.rules import fargate as rules
from buttress.rules.fargate import routing


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [(256, 512), (256, 2048), (512, 4096), (1024, 8192), (2048, 5120), (4096, 30720), (8192, 20480), (16384, 122880)],
)
def test_valid_task_sizes(cpu: int, memory: int) -> None:
    rules.check_task_size(cpu, memory)


def test_table_has_the_documented_number_of_pairs() -> None:
    # 3 + 4 + 7 + 13 + 23 + 12 + 12 pairs (Fargate Linux, platform 1.4.0).
    assert sum(len(m) for m in rules.FARGATE_TASK_SIZES.values()) == 74


@pytest.mark.parametrize(
    ("cpu", "memory", "prop"),
    [(256, 4096, "memory_mib"), (512, 512, "memory_mib"), (8192, 18432, "memory_mib"), (300, 512, "cpu")],
)
def test_invalid_task_sizes_name_the_prop_and_the_table(cpu: int, memory: int, prop: str) -> None:
    with pytest.raises(ButtressError, match=rf"^{prop}=") as error:
        rules.check_task_size(cpu, memory)
    assert "256" in str(error.value)
    if prop == "memory_mib":
        assert f"cpu={cpu}" in str(error.value)
        assert "cpu 8192: 16384-61440 in steps of 4096" in str(error.value)


@pytest.mark.parametrize("port", [0, -1, 65536, 70000])
def test_ports_outside_the_tcp_range(port: int) -> None:
    with pytest.raises(ButtressError, match=rf"container_port={port} is invalid: a TCP port from 1 to 65535"):
        rules.check_port("container_port", port)


@pytest.mark.parametrize("port", [1, 80, 8080, 65535])
def test_ports_in_range(port: int) -> None:
    rules.check_port("container_port", port)


def test_capacity_bounds() -> None:
    ok = {"cpu_architecture": "ARM64", "spot": True, "on_demand_base": 1}
    rules.check_capacity_options(min_capacity=1, max_capacity=1, **ok)  # type: ignore[arg-type]
    with pytest.raises(ButtressError, match=r"min_capacity=5 is invalid: at most max_capacity \(3\)"):
        rules.check_capacity_options(min_capacity=5, max_capacity=3, **ok)  # type: ignore[arg-type]
    with pytest.raises(ButtressError, match=r"min_capacity=0"):
        rules.check_capacity_options(min_capacity=0, max_capacity=3, **ok)  # type: ignore[arg-type]
    with pytest.raises(ButtressError, match=r"cpu_architecture='arm'.*X86_64, ARM64"):
        rules.check_capacity_options(
            cpu_architecture="arm", spot=False, on_demand_base=0, min_capacity=1, max_capacity=1
        )
    with pytest.raises(ButtressError, match=r"on_demand_base=4 is invalid: 0 to max_capacity \(3\)"):
        rules.check_capacity_options(
            cpu_architecture="X86_64", spot=True, on_demand_base=4, min_capacity=1, max_capacity=3
        )


def test_scaling_needs_a_policy_to_scale_between_bounds() -> None:
    assert rules.check_scaling(
        min_capacity=2, max_capacity=4, cpu_percent=70, memory_percent=None, requests_per_target=None
    )
    assert not rules.check_scaling(
        min_capacity=2, max_capacity=2, cpu_percent=None, memory_percent=None, requests_per_target=None
    )
    with pytest.raises(ButtressError, match=r"max_capacity=4 is invalid: equal to min_capacity \(2\)"):
        rules.check_scaling(
            min_capacity=2, max_capacity=4, cpu_percent=None, memory_percent=None, requests_per_target=None
        )
    with pytest.raises(ButtressError, match=r"scale_on_memory_percent=150"):
        rules.check_scaling(
            min_capacity=1, max_capacity=2, cpu_percent=None, memory_percent=150, requests_per_target=None
        )
    with pytest.raises(ButtressError, match=r"scale_on_requests_per_target=0"):
        rules.check_scaling(
            min_capacity=1, max_capacity=2, cpu_percent=None, memory_percent=None, requests_per_target=0
        )


def test_protocol_and_certificate() -> None:
    rules.check_protocol(protocol="HTTPS", has_certificate=True)
    rules.check_protocol(protocol="HTTP", has_certificate=False)
    with pytest.raises(ButtressError, match=r"^certificate=None is invalid: an ACM certificate.*protocol='HTTP'"):
        rules.check_protocol(protocol="HTTPS", has_certificate=False)
    with pytest.raises(ButtressError, match=r"protocol='HTTP' is invalid.*certificate would be unused"):
        rules.check_protocol(protocol="HTTP", has_certificate=True)
    with pytest.raises(ButtressError, match=r"protocol='TCP' is invalid: one of HTTPS, HTTP"):
        rules.check_protocol(protocol="TCP", has_certificate=False)


def test_ingress_defaults_and_checks() -> None:
    assert rules.default_ingress_cidrs(internal=False) == ["0.0.0.0/0"]
    assert rules.default_ingress_cidrs(internal=True) == []
    assert rules.check_ingress_cidrs(["10.0.0.0/8"], internal=True) == ["10.0.0.0/8"]
    with pytest.raises(ButtressError, match=r"ingress_cidrs='0.0.0.0/0' is invalid: no internet-wide CIDR"):
        rules.check_ingress_cidrs(["10.0.0.0/8", "0.0.0.0/0"], internal=True)
    with pytest.raises(ButtressError, match=r"ingress_cidrs='10.0.0.1/8' is invalid: an IPv4 CIDR"):
        rules.check_ingress_cidrs(["10.0.0.1/8"], internal=False)
    with pytest.raises(ButtressError, match=r"IPv4 addresses only"):
        rules.check_ingress_cidrs(["::/0"], internal=False)
    with pytest.raises(ButtressError, match=r"each CIDR once"):
        rules.check_ingress_cidrs(["10.0.0.0/8", "10.0.0.0/8"], internal=False)


def _health(**overrides: object) -> rules.HealthCheckSpec:
    values: dict[str, object] = {
        "path": "/",
        "codes": "200-399",
        "interval_seconds": 15,
        "timeout_seconds": 5,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
    }
    values.update(overrides)
    return rules.HealthCheckSpec(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"path": "health"}, r"health_check_path='health'"),
        ({"codes": "200-600"}, r"health_check_codes='200-600'"),
        ({"codes": "ok"}, r"health_check_codes='ok'"),
        ({"codes": "300-200"}, r"health_check_codes='300-200'"),
        ({"interval_seconds": 400}, r"health_check_interval='400s' is invalid: 5 to 300 seconds"),
        ({"timeout_seconds": 15}, r"health_check_timeout='15s'.*shorter than health_check_interval \(15s\)"),
        ({"healthy_threshold": 1}, r"healthy_threshold=1 is invalid: 2 to 10"),
        ({"unhealthy_threshold": 11}, r"unhealthy_threshold=11"),
    ],
)
def test_health_check_limits(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        rules.check_health_check(_health(**overrides))


@pytest.mark.parametrize("codes", ["200", "200,202", "200-299", "200-299,404"])
def test_health_check_codes_accepted(codes: str) -> None:
    rules.check_health_check(_health(codes=codes))


def test_grace_period_must_leave_room_to_detect_a_failure() -> None:
    limit = rules.CLOUDFORMATION_SERVICE_WAIT_SECONDS - 15 * 3
    rules.check_grace_period(grace_seconds=limit, interval_seconds=15, unhealthy_threshold=3)
    with pytest.raises(ButtressError, match=rf"health_check_grace_period='{limit + 1}s' is invalid: 0 to {limit}s"):
        rules.check_grace_period(grace_seconds=limit + 1, interval_seconds=15, unhealthy_threshold=3)


def test_deregistration_delay_range() -> None:
    rules.check_deregistration_delay(0)
    with pytest.raises(ButtressError, match=r"deregistration_delay='3601s' is invalid: 0 to 3600 seconds"):
        rules.check_deregistration_delay(3601)


def test_environment_names() -> None:
    rules.check_environment({"API_URL": "x"}, ["DB_PASSWORD"])
    with pytest.raises(ButtressError, match=r"secrets=\['A'\] is invalid: names not also in environment"):
        rules.check_environment({"A": "1"}, ["A"])
    with pytest.raises(ButtressError, match=r"sidecars\[0\]\.environment='1X'"):
        rules.check_environment({"1X": "1"}, [], prop_prefix="sidecars[0].")


def test_containers_share_localhost() -> None:
    main = rules.ContainerSpec("app", 8080)
    rules.check_containers(main, [rules.ContainerSpec("proxy", 9901, 128, 64)], cpu=256, memory_mib=512)
    with pytest.raises(ButtressError, match=r"sidecars\[0\]\.port=8080 is invalid: .*'app' already listens on 8080"):
        rules.check_containers(main, [rules.ContainerSpec("proxy", 8080)], cpu=256, memory_mib=512)
    with pytest.raises(ButtressError, match=r"sidecars\[1\]\.name='proxy' is invalid: a name not used"):
        rules.check_containers(
            main, [rules.ContainerSpec("proxy", None), rules.ContainerSpec("proxy", None)], cpu=256, memory_mib=512
        )
    with pytest.raises(ButtressError, match=r"sidecars='512 MiB reserved' is invalid"):
        rules.check_containers(main, [rules.ContainerSpec("proxy", None, 512)], cpu=256, memory_mib=512)
    with pytest.raises(ButtressError, match=r"sidecars\[0\]\.port=0"):
        rules.check_containers(main, [rules.ContainerSpec("proxy", 0)], cpu=256, memory_mib=512)


@pytest.mark.parametrize("prefix", ["", "/web", "web/", "AWSLogs", "we b"])
def test_access_log_prefix(prefix: str) -> None:
    with pytest.raises(ButtressError, match=r"^access_logs_prefix="):
        rules.check_log_prefix(prefix)


def test_listener_port_and_url() -> None:
    assert rules.listener_port("HTTPS", None) == 443
    assert rules.listener_port("HTTP", None) == 80
    assert rules.listener_port("HTTP", 8080) == 8080
    with pytest.raises(ButtressError, match=r"listener_port=0"):
        rules.listener_port("HTTP", 0)
    assert rules.service_url("HTTPS", "lb.example", 443) == "https://lb.example"
    assert rules.service_url("HTTP", "lb.example", 8080) == "http://lb.example:8080"


# -- check_props: every plain prop type-checked, defaults resolved, nothing ignored -------------


def _durations(**overrides: int | None) -> rules.Durations:
    values: dict[str, int | None] = {
        "health_check_interval": 15,
        "health_check_timeout": 5,
        "health_check_grace_period": 60,
        "deregistration_delay": 30,
        "scale_in_cooldown": None,
        "scale_out_cooldown": None,
    }
    values.update(overrides)
    return rules.Durations(**values)  # type: ignore[arg-type]


def _props(**overrides: object) -> rules.FargateProps:
    """``check_props`` with the construct's defaults (plain HTTP, so no certificate is needed)."""
    values: dict[str, object] = {
        "id_": "Api",
        "container_name": "app",
        "container_port": 80,
        "command": None,
        "cpu": 256,
        "memory_mib": 512,
        "cpu_architecture": CpuArchitecture.X86_64,
        "spot": False,
        "on_demand_base": None,
        "environment": None,
        "secret_names": [],
        "sidecars": [],
        "internal": False,
        "dual_stack": False,
        "ingress_cidrs": None,
        "protocol": "HTTP",
        "has_certificate": False,
        "ssl_policy": None,
        "listener_port": None,
        "redirect_http": None,
        "health_check_path": "/",
        "health_check_codes": "200-399",
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "durations": _durations(),
        "min_capacity": 2,
        "max_capacity": 4,
        "scale_on_cpu_percent": 70,
        "scale_on_memory_percent": None,
        "scale_on_requests_per_target": None,
        "access_logs_prefix": None,
        "deletion_protection": False,
    }
    values.update(overrides)
    return rules.check_props(**values)  # type: ignore[arg-type]


def test_check_props_resolves_the_defaults() -> None:
    http = _props()
    assert (http.protocol, http.listener_port, http.redirect_http) == (ListenerProtocol.HTTP, 80, False)
    assert (http.ingress_cidrs, http.access_logs_prefix, http.environment) == (["0.0.0.0/0"], "Api", {})
    assert (http.on_demand_base, http.scales, http.https) == (1, True, False)
    https = _props(protocol=ListenerProtocol.HTTPS, has_certificate=True, internal=True)
    assert (https.protocol, https.listener_port, https.redirect_http, https.ingress_cidrs) == ("HTTPS", 443, True, [])
    arm = _props(cpu_architecture="ARM64", spot=True, on_demand_base=0)
    assert (arm.cpu_architecture, arm.on_demand_base) == (CpuArchitecture.ARM64, 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_capacity": "2"}, "min_capacity='2' is invalid: a whole number (int), not str"),
        ({"max_capacity": 4.0}, "max_capacity=4.0 is invalid: a whole number (int), not float"),
        ({"cpu": True}, "cpu=True is invalid: a whole number (int), not bool"),
        ({"environment": {"PORT": 8080}}, "environment['PORT']=8080 is invalid: a string (write '8080'), not int"),
        (
            {"ingress_cidrs": "10.0.0.0/8"},
            "ingress_cidrs='10.0.0.0/8' is invalid: a list of strings, not one string: write ['10.0.0.0/8']",
        ),
        ({"internal": "false"}, "internal='false' is invalid: True or False, not str"),
        ({"health_check_path": None}, "health_check_path=None is invalid: a string, not NoneType"),
        ({"healthy_threshold": "2"}, "healthy_threshold='2' is invalid: a whole number (int), not str"),
        ({"scale_on_memory_percent": "80"}, "scale_on_memory_percent='80' is invalid: a number, not str"),
        ({"access_logs_prefix": 7}, "access_logs_prefix=7 is invalid: a string, not int"),
        ({"deletion_protection": 1}, "deletion_protection=1 is invalid: True or False, not int"),
        (
            {"protocol": "TCP"},
            "protocol='TCP' is invalid: one of 'HTTPS', 'HTTP' (or buttress.ListenerProtocol.<NAME>)",
        ),
        ({"container_name": ["app"]}, "container_name=['app'] is invalid: a string, not list"),
    ],
)
def test_check_props_type_checks_every_plain_prop(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ButtressError) as error:
        _props(**overrides)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"ssl_policy": "TLS12"},
            "ssl_policy='TLS12' is invalid: not given with protocol='HTTP': a plain HTTP listener has no TLS policy",
        ),
        (
            {"redirect_http": True},
            "redirect_http=True is invalid: not given with protocol='HTTP': there is no HTTPS listener to redirect to",
        ),
        (
            {"on_demand_base": 1},
            "on_demand_base=1 is invalid: only with spot=True: without Spot every task runs on regular Fargate",
        ),
        (
            {
                "min_capacity": 1,
                "max_capacity": 1,
                "scale_on_cpu_percent": None,
                "durations": _durations(scale_out_cooldown=30),
            },
            "scale_out_cooldown='30s' is invalid: only with a scaling policy (none is set)",
        ),
        (
            {"protocol": "HTTPS", "has_certificate": True, "listener_port": 80},
            "listener_port=80 is invalid: not 80 while redirect_http=True (the redirect listens on 80)",
        ),
    ],
)
def test_check_props_refuses_what_the_mode_would_ignore(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ButtressError) as error:
        _props(**overrides)
    assert str(error.value) == message


def test_https_on_port_80_without_the_redirect() -> None:
    props = _props(protocol="HTTPS", has_certificate=True, listener_port=80, redirect_http=False)
    assert (props.listener_port, props.redirect_http) == (80, False)


def test_sidecar_fields_are_type_checked() -> None:
    fields: dict[str, object] = {
        "name": "proxy",
        "port": 9901,
        "essential": True,
        "environment": {},
        "secret_names": [],
        "command": None,
        "cpu": None,
        "memory_reservation_mib": 128,
    }
    assert rules.check_sidecar(0, **fields) == rules.ContainerSpec("proxy", 9901, 128, None)  # type: ignore[arg-type]
    for field, value, message in (
        ("port", "9901", "sidecars[1].port='9901' is invalid: a whole number (int), not str"),
        ("essential", "no", "sidecars[1].essential='no' is invalid: True or False, not str"),
        ("command", "run", "sidecars[1].command='run' is invalid: a list of strings, not one string: write ['run']"),
        ("cpu", 0, "sidecars[1].cpu=0 is invalid: a whole number of at least 1"),
    ):
        with pytest.raises(ButtressError) as error:
            rules.check_sidecar(1, **{**fields, field: value})  # type: ignore[arg-type]
        assert str(error.value) == message


def test_docker_directory(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert rules.check_docker_directory(str(tmp_path)) == tmp_path
    with pytest.raises(ButtressError, match=r"^docker_directory=3 is invalid: a folder path \(str or Path\), not int"):
        rules.check_docker_directory(3)
    with pytest.raises(ButtressError, match=r"an existing folder that contains a Dockerfile"):
        rules.check_docker_directory(tmp_path / "missing")


# -- domain and certificate -------------------------------------------------------------------


def test_domain_names_are_normalized_and_checked() -> None:
    assert rules.check_domain_name("domain_name", "WWW.Example.com.") == "www.example.com"
    for bad in ("localhost", "*.example.com", "-a.example.com", "a..example.com", "a" * 64 + ".com", "x y.com"):
        with pytest.raises(ButtressError, match=r"^domain_name=.* is invalid: a DNS name such as www.example.com"):
            rules.check_domain_name("domain_name", bad)
    with pytest.raises(ButtressError, match=r"^domain_name=8080 is invalid: a string"):
        rules.check_domain_name("domain_name", 8080)


def test_domain_must_be_in_the_zone() -> None:
    rules.check_domain_in_zone("example.com", "example.com.")
    rules.check_domain_in_zone("a.b.example.com", "Example.com")
    with pytest.raises(
        ButtressError, match=r"^domain_name='www.badexample.com' is invalid: a name in hosted_zone 'example.com'"
    ):
        rules.check_domain_in_zone("www.badexample.com", "example.com")


def test_certificate_names_cover_the_domain_exactly_or_by_one_wildcard_level() -> None:
    assert rules.certificate_covers(["www.example.com"], "www.example.com")
    assert rules.certificate_covers(["example.com", "*.example.com"], "api.example.com")
    assert not rules.certificate_covers(["*.example.com"], "a.b.example.com")
    assert not rules.certificate_covers(["*.example.com"], "example.com")
    with pytest.raises(
        ButtressError,
        match=r"^certificate=\['\*.example.com'\] is invalid: a certificate whose name or alternative names cover "
        r"domain_name 'a.b.example.com'",
    ):
        rules.check_certificate_domain(["*.example.com"], "a.b.example.com")


def test_a_certificate_of_another_region_is_an_error_when_both_regions_are_known() -> None:
    us_east = "arn:aws:acm:us-east-1:111122223333:certificate/abcd-1234"
    assert rules.certificate_region(us_east) == "us-east-1"
    rules.check_certificate_arn(us_east, None)  # environment-agnostic stack: not known
    rules.check_certificate_arn(us_east, "us-east-1")
    with pytest.raises(
        ButtressError,
        match=r"^certificate='arn:aws:acm:us-east-1:.*' is invalid: a certificate in the stack's region "
        r"\(eu-west-1\), not us-east-1",
    ):
        rules.check_certificate_arn(us_east, "eu-west-1")
    with pytest.raises(ButtressError, match=r"^certificate='arn:aws:iam::1:x' is invalid: an ACM certificate ARN"):
        rules.check_certificate_arn("arn:aws:iam::1:x", None)


def _domain(**overrides: object) -> rules.DomainSpec:
    given: dict[str, object] = {
        "domain_name": "www.example.com",
        "has_hosted_zone": True,
        "zone_name": "example.com",
        "zone_is_private": False,
        "has_certificate": False,
        "https": True,
    }
    return rules.check_domain(**{**given, **overrides})  # type: ignore[arg-type]


def test_domain_modes() -> None:
    assert _domain() == rules.DomainSpec("www.example.com", creates_certificate=True, creates_records=True)
    assert _domain(has_certificate=True).creates_certificate is False
    assert _domain(has_hosted_zone=False, zone_name=None, has_certificate=True) == rules.DomainSpec(
        "www.example.com", creates_certificate=False, creates_records=False
    )
    assert _domain(https=False).creates_certificate is False
    assert _domain(zone_name=None).creates_records  # a zone imported by id: its name is not checked
    assert _domain(domain_name=None, has_hosted_zone=False).domain_name is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"domain_name": None}, r"^hosted_zone='given' is invalid: only with domain_name"),
        (
            {"has_hosted_zone": False, "zone_name": None},
            r"^domain_name='www.example.com' is invalid: with hosted_zone \(to validate its certificate",
        ),
        (
            {"zone_is_private": True},
            r"^hosted_zone='example.com' is invalid: a public hosted zone when the certificate",
        ),
        ({"zone_name": "example.org"}, r"^domain_name='www.example.com' is invalid: a name in hosted_zone"),
    ],
)
def test_domain_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        _domain(**overrides)


# -- WAF ----------------------------------------------------------------------------------------

WAF_ARN = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shared/0a1b2c3d-0000-1111-2222-333344445555"


def _waf(**overrides: object) -> None:
    given: dict[str, object] = {
        "mode": "MANAGED",
        "web_acl_arn": None,
        "rate_limit": 2000,
        "reason": None,
        "stack_region": None,
    }
    rules.check_waf(**{**given, **overrides})  # type: ignore[arg-type]


def test_waf_choices() -> None:
    _waf()
    _waf(mode="EXISTING", web_acl_arn=WAF_ARN, rate_limit=None, stack_region="eu-west-1")
    _waf(mode="EXISTING", web_acl_arn="${Token[TOKEN.1]}", rate_limit=None, arn_known=False)
    _waf(mode="NONE", rate_limit=None, reason="CloudFront in front has the web ACL")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"rate_limit": 5},
            r"^waf.rate_limit=5 is invalid: requests per 5 minutes per client IP, from 10 to 2,000,000,000",
        ),
        ({"rate_limit": "2000"}, r"^waf.rate_limit='2000' is invalid: a whole number"),
        (
            {"mode": "EXISTING", "web_acl_arn": WAF_ARN.replace("regional", "global")},
            r"^waf.web_acl_arn=.* is invalid: the ARN of a REGIONAL WAFv2 web ACL",
        ),
        (
            {"mode": "EXISTING", "web_acl_arn": WAF_ARN, "stack_region": "us-east-1"},
            r"^waf.web_acl_arn=.* is invalid: a web ACL in the stack's region \(us-east-1\)",
        ),
        ({"mode": "NONE", "reason": None}, r"^waf.reason=None is invalid: a string"),
        ({"mode": "NONE", "reason": "no"}, r"^waf.reason='no' is invalid: why the load balancer needs no WAF"),
    ],
)
def test_waf_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        _waf(**overrides)


# -- routing on a shared load balancer ----------------------------------------------------------


def test_route_conditions_and_url_suffix() -> None:
    route = rules.check_route(priority=10, path_patterns=["/docs/*"], host_headers=None, taken={})
    assert route == rules.RouteSpec(10, ["/docs/*"], [])
    # "*" matches zero or more characters: /docs/* serves /docs/, not /docs (issue 27 item 7).
    assert route.url_suffix() == "/docs/"
    assert routing.path_pattern_matches("/docs/*", route.url_suffix())
    assert (
        rules.check_route(priority=10, path_patterns=["/a/*/b*"], host_headers=None, taken={}).url_suffix() == "/a//b"
    )
    hosts = rules.check_route(priority=1, path_patterns=None, host_headers=["Docs.Example.com"], taken={5: "S/Other"})
    assert hosts.host_headers == ["docs.example.com"] and hosts.url_suffix() == ""
    assert rules.check_route(priority=50000, path_patterns=["/a?c"], host_headers=None, taken={}).url_suffix() == "/a"


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/docs/*", "/docs/", True),
        ("/docs/*", "/docs/a/b", True),
        ("/docs/*", "/docs", False),
        ("/docs/*", "/Docs/", False),  # case-sensitive
        ("/a?c", "/abc", True),
        ("/a?c", "/ac", False),
        ("/x.y", "/xzy", False),  # '.' is literal
        ("*", "/anything", True),
    ],
)
def test_alb_path_patterns(pattern: str, path: str, matches: bool) -> None:
    assert routing.path_pattern_matches(pattern, path) is matches


def test_alb_host_headers_ignore_case() -> None:
    assert routing.host_header_matches("*.Example.com", "docs.example.COM")
    assert not routing.host_header_matches("*.example.com", "example.com")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"priority": 0}, r"^priority=0 is invalid: a whole number from 1 to 50000"),
        ({"priority": 50001}, r"^priority=50001 is invalid"),
        ({"priority": 5}, r"^priority=5 is invalid: a priority no other rule of the listener has \(S/Other has 5\)"),
        ({"path_patterns": None}, r"^path_patterns=None is invalid: path_patterns or host_headers"),
        ({"path_patterns": "/docs/*"}, r"^path_patterns='/docs/\*' is invalid: a list of strings, not one string"),
        (
            {"path_patterns": ["docs/*"]},
            r"^path_patterns='docs/\*' is invalid: at most 128 characters starting with '/'",
        ),
        ({"path_patterns": ["/" + "a" * 128]}, r"^path_patterns='/a+' is invalid: at most 128 characters"),
        ({"path_patterns": ["/a", "/b", "/c", "/d"]}, r"is invalid: at most 3 values \(the ALB limit per condition\)"),
        ({"path_patterns": ["/a", "/a"]}, r"^path_patterns=\['/a', '/a'\] is invalid: each value once"),
        ({"host_headers": ["bad_host.com"]}, r"^host_headers='bad_host.com' is invalid: at most 128 characters of"),
        (
            {"path_patterns": ["/a", "/b", "/c"], "host_headers": ["a.com", "b.com", "c.com"]},
            r"with host_headers at most 5 values \(the ALB limit per rule\)",
        ),
        (
            {"path_patterns": ["/*/*/*", "/?/?/?"]},
            r"is invalid: at most 5 wildcards with host_headers \(ALB limit per rule\)",
        ),
    ],
)
def test_route_errors(given: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"priority": 10, "path_patterns": ["/docs/*"], "host_headers": None}
    with pytest.raises(ButtressError, match=message):
        rules.check_route(**{**arguments, **given}, taken={5: "S/Other"})


# -- container health checks --------------------------------------------------------------------


def test_container_health_check_defaults_are_the_ecs_ones() -> None:
    spec = rules.check_container_health_check(
        "container_health_check",
        command=["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
        interval=None,
        timeout=None,
        retries=None,
        start_period=None,
    )
    assert (spec.interval, spec.timeout, spec.retries, spec.start_period) == (30, 5, 3, 0)
    rules.check_container_health_check(
        "c", command=["CMD", "/bin/check", "--fast"], interval=5, timeout=2, retries=10, start_period=300
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"command": "curl localhost"}, r"^c.command='curl localhost' is invalid: a list of strings, not one string"),
        ({"command": ["curl -f localhost"]}, r"^c.command=\['curl -f localhost'\] is invalid: \['CMD-SHELL'"),
        ({"command": ["CMD-SHELL", "a", "b"]}, r"^c.command=.* is invalid: \['CMD-SHELL', 'curl"),
        ({"command": ["CMD"]}, r"^c.command=\['CMD'\] is invalid"),
        ({"interval": 4}, r"^c.interval='4s' is invalid: 5 to 300 seconds \(the ECS limit\)"),
        ({"interval": 301}, r"^c.interval='301s' is invalid: 5 to 300 seconds"),
        ({"timeout": 1}, r"^c.timeout='1s' is invalid: 2 to 120 seconds"),
        ({"timeout": 30}, r"^c.timeout='30s' is invalid: shorter than the interval \(30s\)"),
        ({"retries": 0}, r"^c.retries=0 is invalid: 1 to 10 \(the ECS limit\)"),
        ({"retries": "3"}, r"^c.retries='3' is invalid: a whole number \(int\), not str"),
        ({"start_period": 301}, r"^c.start_period='301s' is invalid: 0 to 300 seconds"),
    ],
)
def test_container_health_check_errors(given: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
        "interval": None,
        "timeout": None,
        "retries": None,
        "start_period": None,
    }
    with pytest.raises(ButtressError, match=message):
        rules.check_container_health_check("c", **{**arguments, **given})  # type: ignore[arg-type]


# -- deployments --------------------------------------------------------------------------------


def _deployment(**overrides: object) -> rules.DeploymentSpec:
    given: dict[str, object] = {
        "strategy": "CANARY",
        "bake_minutes": 10,
        "percent": 10.0,
        "step_bake_minutes": 5,
        "test_listener_port": None,
        "rollback_on_5xx": 10,
        "listener_port": 443,
        "redirect_http": True,
    }
    return rules.check_deployment(**{**given, **overrides})  # type: ignore[arg-type]


def test_deployment_strategies() -> None:
    assert _deployment().shifts_traffic
    rolling = _deployment(
        strategy="ROLLING",
        bake_minutes=None,
        percent=None,
        step_bake_minutes=None,
        rollback_on_5xx=None,
    )
    assert rolling == rules.DeploymentSpec("ROLLING", None, None, None, None, None)
    assert not rolling.shifts_traffic
    assert (
        _deployment(
            strategy="BLUE_GREEN", percent=None, step_bake_minutes=None, test_listener_port=8443
        ).test_listener_port
        == 8443
    )
    assert _deployment(strategy="LINEAR", percent=3.0, step_bake_minutes=50, bake_minutes=0).percent == 3.0
    assert _deployment(percent=0.1).percent == 0.1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"strategy": "ROLLING", "percent": None, "step_bake_minutes": None, "rollback_on_5xx": None},
            r"^deployment.bake_time=10 is invalid: not given with the ROLLING strategy",
        ),
        (
            {"strategy": "BLUE_GREEN", "step_bake_minutes": None},
            r"^deployment.percent=10.0 is invalid: not given with BLUE_GREEN",
        ),
        ({"bake_minutes": 1441}, r"^deployment.bake_time='1441 min' is invalid: 0 to 1440 minutes"),
        ({"step_bake_minutes": -1}, r"^deployment.step_bake_time='-1 min' is invalid: 0 to 1440 minutes"),
        ({"percent": 0.05}, r"^deployment.percent=0.05 is invalid: a multiple of 0.1 from 0.1 to 100 percent"),
        ({"percent": 10.05}, r"^deployment.percent=10.05 is invalid: a multiple of 0.1"),
        (
            {"strategy": "LINEAR", "percent": 2.0},
            r"^deployment.percent=2.0 is invalid: a multiple of 0.1 from 3 to 100",
        ),
        ({"percent": "10"}, r"^deployment.percent='10' is invalid: a number, not str"),
        (
            {"strategy": "LINEAR", "percent": 10.0, "step_bake_minutes": 190, "bake_minutes": 100},
            r"^deployment.step_bake_time='190 min' is invalid: .*x 10 step\(s\) \(2000 min\) within 1980 minutes",
        ),
        ({"bake_minutes": 1440, "step_bake_minutes": 600}, r"\(2040 min\) within 1980 minutes"),
        (
            {"test_listener_port": 80},
            r"^deployment.test_listener_port=80 is invalid: a port no other listener uses \(\[80, 443\]\)",
        ),
        ({"test_listener_port": 70000}, r"^deployment.test_listener_port=70000 is invalid: a TCP port"),
        ({"rollback_on_5xx": 0}, r"^deployment.rollback_on_5xx=0 is invalid: a whole number of at least 1"),
    ],
)
def test_deployment_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        _deployment(**overrides)


# -- task hardening and idle timeout ---------------------------------------------------------------


def test_user_writable_paths_and_idle_timeout() -> None:
    assert rules.check_user(None) is None
    assert rules.check_user("1000:1000") == "1000:1000"
    assert rules.check_user("nginx") == "nginx"
    assert rules.check_writable_paths(["/tmp", "/var/cache/nginx"], read_only_root_filesystem=True) == [
        "/tmp",
        "/var/cache/nginx",
    ]
    assert rules.check_writable_paths((), read_only_root_filesystem=False) == []
    rules.check_idle_timeout(1)
    rules.check_idle_timeout(4000)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rules.check_user("root"), r"^user='root' is invalid: a non-root user"),
        (lambda: rules.check_user("0:0"), r"^user='0:0' is invalid: a non-root user"),
        (lambda: rules.check_user("a b"), r"^user='a b' is invalid: a user name or uid"),
        (lambda: rules.check_user(1000), r"^user=1000 is invalid: a string"),
        (
            lambda: rules.check_writable_paths(["/tmp"], read_only_root_filesystem=False),
            r"^writable_paths=\['/tmp'\] is invalid: only with read_only_root_filesystem=True",
        ),
        (
            lambda: rules.check_writable_paths("/tmp", read_only_root_filesystem=True),
            r"^writable_paths='/tmp' is invalid: a list of strings, not one string",
        ),
        (
            lambda: rules.check_writable_paths(["tmp"], read_only_root_filesystem=True),
            r"^writable_paths='tmp' is invalid: an absolute path",
        ),
        (
            lambda: rules.check_writable_paths(["/a/../b"], read_only_root_filesystem=True),
            r"^writable_paths='/a/../b' is invalid: an absolute path",
        ),
        (
            lambda: rules.check_writable_paths(["/var", "/var/run"], read_only_root_filesystem=True),
            r"^writable_paths='/var/run' is invalid: a path not inside another writable path \(/var\)",
        ),
        (
            lambda: rules.check_writable_paths(["/tmp", "/tmp"], read_only_root_filesystem=True),
            r"^writable_paths=\['/tmp', '/tmp'\] is invalid: each path once",
        ),
        (lambda: rules.check_idle_timeout(4001), r"^idle_timeout='4001s' is invalid: 1 to 4000 seconds"),
        (lambda: rules.check_idle_timeout(0), r"^idle_timeout='0s' is invalid"),
    ],
)
def test_hardening_errors(call: Any, message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        call()


def test_dual_stack_admits_ipv6_cidrs_and_defaults_to_both_internets() -> None:
    assert _props(dual_stack=True).ingress_cidrs == ["0.0.0.0/0", "::/0"]
    assert _props(dual_stack=True, internal=True).ingress_cidrs == []
    assert rules.check_ingress_cidrs(["2001:db8::/32"], internal=False, dual_stack=True) == ["2001:db8::/32"]
    with pytest.raises(ButtressError, match=r"^ingress_cidrs='::/0' is invalid: no internet-wide CIDR on an internal"):
        rules.check_ingress_cidrs(["::/0"], internal=True, dual_stack=True)
    with pytest.raises(ButtressError, match=r"^dual_stack='yes' is invalid: True or False"):
        _props(dual_stack="yes")


@pytest.mark.parametrize(
    "image",
    [
        "public.ecr.aws/nginx/nginx:stable",
        "nginx",
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2.3",
        "localhost:5000/app",
        "ghcr.io/org-name/app:v1",
        "app@sha256:" + "a" * 64,
    ],
)
def test_image_references_aws_accepts(image: str) -> None:
    from buttress.rules.fargate.image import check_image_reference

    assert check_image_reference("image", image) == image


@pytest.mark.parametrize(
    "image", ["My App:latest", "public.ecr.aws/Nginx/nginx", "app:", "app:tag with space", "x" * 256]
)
def test_image_references_aws_refuses(image: str) -> None:
    from buttress.rules.fargate.image import check_image_reference

    with pytest.raises(ButtressError, match=r"is invalid: an image reference .*lower case.*task_definition_parameters"):
        check_image_reference("image", image)
