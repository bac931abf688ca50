"""examples/consumer installs buttress as a package in a throwaway venv and synthesizes.

This is the packaging test: a module, package-data file or dependency that only works inside
this repository fails here, and so does a construct that is not cdk-nag clean in a stack with an
explicit account and region. It builds a wheel and a venv (about 30 s of CPU with a warm pip
cache): ``-m "not slow"`` deselects it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import buttress
from scripts.build_consumer import ConsumerBuild, build, tracked_files

REPO = Path(__file__).resolve().parent.parent
# One group: the module-scoped build (a wheel, a venv, a synth: ~45 s) runs on one worker only.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("consumer_app")]


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> ConsumerBuild:
    return build(tmp_path_factory.mktemp("consumer"))


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    }


def test_buttress_comes_from_the_installed_wheel(consumer: ConsumerBuild) -> None:
    site_packages = consumer.venv / "lib"
    assert consumer.buttress_file.is_relative_to(site_packages), consumer.buttress_file
    # One version source: buttress.__version__ (pyproject.toml reads it, dynamic = ["version"]).
    assert consumer.buttress_version == buttress.__version__


def test_every_tracked_module_and_lambda_file_is_shipped(consumer: ConsumerBuild) -> None:
    installed = consumer.buttress_file.parent
    tracked = tracked_files()
    expected_pkg = {p.removeprefix("buttress/") for p in tracked if p.startswith("buttress/")}
    expected_lambda = {p.removeprefix("lambda_src/") for p in tracked if p.startswith("lambda_src/")}
    shipped = _files(installed)
    assert expected_pkg - shipped == set()
    assert expected_lambda - {p.removeprefix("_lambda_src/") for p in shipped if p.startswith("_lambda_src/")} == set()


def test_lambda_sources_resolve_inside_the_installed_package(consumer: ConsumerBuild) -> None:
    """``buttress.parts.assets`` finds every lambda_src folder in site-packages, not in a checkout."""
    for name, folder in consumer.lambda_dirs.items():
        assert folder.is_relative_to(consumer.buttress_file.parent / "_lambda_src"), (name, folder)


def test_buttress_is_the_wheel_built_from_the_clean_copy(consumer: ConsumerBuild) -> None:
    assert consumer.wheel is not None and consumer.wheel.is_relative_to(consumer.root / "dist")
    assert consumer.wheel.name == f"buttress-{consumer.buttress_version}-py3-none-any.whl"


def test_consumer_stack_composes_all_five_constructs_with_an_explicit_env(consumer: ConsumerBuild) -> None:
    """All five constructs in a stack with an account and region, synthesized under cdk-nag (a finding fails)."""
    assert consumer.templates, "the consumer app has no stacks"
    assert consumer.environments == {"ConsumerOrders": "aws://111122223333/eu-west-1"}
    types = {r["Type"] for t in consumer.templates.values() for r in t["Resources"].values()}
    assert {
        "AWS::EC2::VPC",  # Network
        "AWS::SNS::Topic",  # FanoutTopic
        "AWS::SQS::Queue",
        "AWS::ECS::Service",  # AlbFargateService
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::CodeBuild::Project",  # VpcCodeBuild
        "AWS::Budgets::Budget",  # BudgetKillSwitch
    } <= types
    assert "AwsSolutionsChecks" in (consumer.app_dir / "app.py").read_text()
    for name in consumer.templates:
        for asset in consumer.assets[name]:
            assert asset.exists() and any(asset.iterdir() if asset.is_dir() else [asset]), asset
