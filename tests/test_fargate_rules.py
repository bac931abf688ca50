"""The pure synth-time rules of AlbFargateService (no CDK, no synthesis)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buttress import ButtressError
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.rules import fargate as rules


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
