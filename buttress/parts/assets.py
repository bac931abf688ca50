"""Where buttress finds the Lambda code it ships, in this repository or installed as a package."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

#: The ``buttress`` package folder (this module lives in ``buttress/parts``).
_HERE = Path(__file__).resolve().parent.parent
#: Never ship byte code: it differs per machine and would change the asset hash.
ASSET_EXCLUDES = ["__pycache__", "*.pyc", "*.pyo"]


def lambda_source_dir(name: str) -> Path:
    """The folder of the Lambda asset ``name`` (a sub-folder of ``lambda_src/``)."""
    for root in (_HERE.parent / "lambda_src", _HERE / "_lambda_src"):
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Lambda source folder {name!r} is not shipped with buttress (looked beside {_HERE})")


def lambda_code(name: str) -> lambda_.Code:
    """``Code.from_asset`` holding the package ``<name>/`` (``lambda_src/<name>``) and nothing else.

    The asset's root is ``lambda_src/``, so the zip holds ``<name>/...`` and the handler is
    ``<name>.<module>.handler``: each asset is a package whose modules import each other
    relatively, the same code that ``buttress._lambda_src.<name>`` is where buttress is installed.
    No byte code, no other asset, no Docker bundling.
    """
    package = lambda_source_dir(name)
    exclude = ["*", f"!{name}", f"!{name}/**", *ASSET_EXCLUDES]
    return lambda_.Code.from_asset(str(package.parent), exclude=exclude)
