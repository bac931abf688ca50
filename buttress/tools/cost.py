"""Fixed monthly cost a synthesized CloudFormation template implies, before anything is deployed.

Pure: reads template dicts (or a ``cdk.out`` folder) and a price table kept as data
(``buttress/data/prices-us-east-1.json``, with its date and source, loaded by
:mod:`buttress.tools.prices`, which also lists the free and usage-based types); no CDK import, no
AWS call. ``buttress-cost`` (:func:`main`) is its command line.

"Fixed" means what the stack costs while it sits idle: hourly resources (NAT gateways, load
balancers, interface endpoints per AZ, Fargate tasks at their desired count and size, public IPv4
addresses) and monthly ones (KMS keys, dashboards, alarms, secrets...). Usage-based charges
(requests, GB processed, Lambda invocations) are listed by resource type, never added to the
total, and resource types the table does not know are listed as *not priced*, so a reader sees
what the figure leaves out. Every assumption (a default desired count, a token where a number
was expected, a resource behind a condition) is written next to the line it affects.

The estimator is :mod:`buttress.tools.cost_rules`, the reports :mod:`buttress.tools.cost_report`;
this module is their command line, and every public name imports from here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from buttress.tools.assembly import AssemblyError
from buttress.tools.cost_report import (  # re-exported: part of buttress.tools.cost's API
    compare,
    render_compare,
    render_markdown,
    render_template_change,
    render_text,
)
from buttress.tools.cost_rules import (  # re-exported: part of buttress.tools.cost's API
    CostLine,
    StackCost,
    estimate_assembly,
    estimate_template,
)
from buttress.tools.prices import (  # re-exported: part of buttress.tools.cost's API
    DEFAULT_PRICES,
    FREE_PREFIXES,
    FREE_TYPES,
    USAGE_TYPES,
    PriceTable,
    Rate,
    load_prices,
)

__all__ = [
    "DEFAULT_PRICES",
    "FREE_PREFIXES",
    "FREE_TYPES",
    "USAGE_TYPES",
    "CostLine",
    "PriceTable",
    "Rate",
    "StackCost",
    "compare",
    "estimate_assembly",
    "estimate_template",
    "load_prices",
    "main",
    "render_compare",
    "render_markdown",
    "render_template_change",
    "render_text",
    "update_block",
]


# -- command line ---------------------------------------------------------------------------------

BEGIN, END = "<!-- cost:begin -->", "<!-- cost:end -->"


def update_block(text: str, block: str) -> str:
    """``text`` with the part between the cost markers replaced by ``block``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"markers {BEGIN} ... {END} not found")
    return text[: start + len(BEGIN)] + "\n" + block.strip() + "\n" + text[end:]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buttress-cost",
        description="Fixed monthly cost every stack of a synthesized cloud assembly implies, at list prices.",
        epilog="--update-readme rewrites the table between <!-- cost:begin --> and <!-- cost:end -->.",
    )
    parser.add_argument("cdk_out", nargs="?", default="cdk.out", help="cloud assembly folder (default cdk.out)")
    parser.add_argument("--prices", help="price table JSON (default: buttress's us-east-1 table)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every assumption")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead")
    parser.add_argument("--baseline", metavar="OLD_CDK_OUT", help="another cloud assembly to compare against")
    parser.add_argument("--update-readme", metavar="FILE", help="rewrite the cost table block in FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``buttress-cost [CDK_OUT] [--verbose] [--markdown] [--baseline OLD_CDK_OUT] [--prices FILE]``."""
    args = _parser().parse_args(argv)
    try:
        prices = _load_prices_flag(args.prices)
        costs = estimate_assembly(args.cdk_out, prices, label="CDK_OUT")
        baseline = estimate_assembly(args.baseline, prices, label="--baseline") if args.baseline else None
        readme = Path(args.update_readme) if args.update_readme else None
        updated = _update_flag(readme, render_markdown(costs, prices)) if readme else ""
    except (AssemblyError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render_markdown(costs, prices) if args.markdown else render_text(costs, prices, verbose=args.verbose))
    if baseline is not None:
        print()
        print(render_compare(compare(baseline, costs)))
    if readme is not None:
        readme.write_text(updated)
        print(f"\nupdated the cost table in {readme}")
    return 0


def _update_flag(readme: Path, block: str) -> str:
    try:
        return update_block(readme.read_text(), block)
    except (OSError, ValueError) as exc:
        raise ValueError(f"--update-readme {readme}: {exc}") from exc


def _load_prices_flag(path: str | None) -> PriceTable:
    try:
        return load_prices(path)
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"--prices {path}: not a usable price table: {exc!r}") from exc


if __name__ == "__main__":
    raise SystemExit(main())
