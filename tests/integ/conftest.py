"""The integration suite's fixtures: the apps synthesized once, and the target they are deployed to.

In ``make test`` / ``make integ-local`` the target is moto's server on loopback, started once per
session (the example app's deploy rehearsal shares it, ``test_rehearsal.py``), bootstrapped and
deployed by the pinned CDK CLI. Under ``make integ`` the runner (``tests/integ/runner.py``) has
deployed the apps to the caller's account and says so through ``BUTTRESS_INTEG_*`` variables.
Every test module of this folder is one xdist group, so all of this happens on one worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integ.apps import synth_apps
from tests.integ.assertions import local_apps
from tests.integ.target import ASSEMBLIES_VARIABLE, TARGET_VARIABLE, Target, fill_template_gaps, target_from_environment

Template = dict[str, Any]
DEPLOY_FLAGS = ("--require-approval", "never", "--all")


@pytest.fixture(scope="session")
def integ_assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """App name -> its cloud assembly: the runner's (``make integ``), else synthesized here once, offline."""
    given = os.environ.get(ASSEMBLIES_VARIABLE)
    if given:
        return {p.name: p for p in sorted(Path(given).iterdir()) if (p / "manifest.json").exists()}
    return synth_apps(tmp_path_factory.mktemp("integ-apps"))


@pytest.fixture(scope="session")
def integ_templates(integ_assemblies: dict[str, Path]) -> dict[str, Template]:
    """App name -> the template of its one stack."""
    from buttress.tools.assembly import read_assembly

    out = {}
    for app, outdir in integ_assemblies.items():
        (template,) = read_assembly(outdir).templates().values()
        out[app] = dict(template)
    return out


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on loopback with the CDK bootstrap stack, for the whole session."""
    if os.environ.get(TARGET_VARIABLE, "local") != "local":
        pytest.skip("the moto server serves the local target only")
    from scripts.deploy_local import ACCOUNT, REGION, fake_aws_env, free_port, moto_server

    with moto_server(free_port()) as endpoint:
        _cli(["bootstrap", "--no-notices", "--no-color", f"aws://{ACCOUNT}/{REGION}"], fake_aws_env(endpoint))
        yield endpoint


@pytest.fixture(scope="session")
def target(
    request: pytest.FixtureRequest, integ_assemblies: dict[str, Path], integ_templates: dict[str, Template]
) -> Target:
    """Where the apps are deployed. Locally: the apps with an assertion moto honours, deployed now."""
    if os.environ.get(TARGET_VARIABLE, "local") == "account":
        return target_from_environment(apps=tuple(integ_assemblies))
    from scripts.deploy_local import fake_aws_env

    endpoint: str = request.getfixturevalue("moto_endpoint")
    apps = tuple(local_apps())
    target = target_from_environment(endpoint=endpoint, apps=apps)
    for app in apps:
        started = time.monotonic()
        _cli(
            ["deploy", "--app", str(integ_assemblies[app]), "--no-notices", "--no-color", *DEPLOY_FLAGS],
            fake_aws_env(endpoint),
        )
        filled = fill_template_gaps(target, app, integ_templates[app])
        print(f"{app}: deployed to moto in {time.monotonic() - started:.1f} s; gaps filled: {', '.join(filled)}")
    return target


def _cli(args: list[str], env: dict[str, str]) -> None:
    from scripts.deploy_local import run_cli

    try:
        run_cli(args, env, Path(env.get("TMPDIR", "/tmp")))
    except SystemExit as error:  # run_cli's message names the command and its exit code
        pytest.fail(str(error))
