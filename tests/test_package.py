"""``import buttress`` is lazy: pure modules load without jsii; every export still resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import buttress


def test_pure_modules_do_not_start_jsii() -> None:
    modules = "buttress, buttress.tools.cost, buttress.rules.subnets, buttress.errors, buttress.options"
    code = f"import sys, {modules}; print('aws_cdk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_every_export_resolves_and_unknown_names_fail() -> None:
    for name in buttress.__all__:
        assert getattr(buttress, name) is not None
        assert name in dir(buttress)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = buttress.Nope
