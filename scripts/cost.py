"""``make cost``: the fixed monthly cost every synthesized stack implies, at list prices.

    python scripts/cost.py [CDK_OUT] [--verbose] [--markdown] [--baseline OLD_CDK_OUT]
                           [--prices FILE] [--update-readme README.md]

``--baseline`` prints the cost change from another cloud assembly (e.g. one synthesized from
main), which is what a template diff should show next to the resource changes.
``--update-readme`` rewrites the table between ``<!-- cost:begin -->`` and ``<!-- cost:end -->``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from buttress.tools.cost import compare, estimate_assembly, load_prices, render_compare, render_markdown, render_text

BEGIN, END = "<!-- cost:begin -->", "<!-- cost:end -->"


def update_block(text: str, block: str) -> str:
    """``text`` with the part between the cost markers replaced by ``block``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"markers {BEGIN} ... {END} not found")
    return text[: start + len(BEGIN)] + "\n" + block.strip() + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", nargs="?", default="cdk.out", help="cloud assembly folder (default cdk.out)")
    parser.add_argument("--prices", help="price table JSON (default: buttress's us-east-1 table)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every assumption")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead")
    parser.add_argument("--baseline", help="another cloud assembly to compare against")
    parser.add_argument("--update-readme", metavar="FILE", help="rewrite the cost table block in FILE")
    args = parser.parse_args(argv)

    outdir = Path(args.outdir)
    if not (outdir / "manifest.json").exists():
        print(f"no cloud assembly in {outdir}: run `make synth` first", file=sys.stderr)
        return 1
    prices = load_prices(args.prices)
    costs = estimate_assembly(outdir, prices)
    print(render_markdown(costs, prices) if args.markdown else render_text(costs, prices, verbose=args.verbose))
    if args.baseline:
        print()
        print(render_compare(compare(estimate_assembly(args.baseline, prices), costs)))
    if args.update_readme:
        readme = Path(args.update_readme)
        readme.write_text(update_block(readme.read_text(), render_markdown(costs, prices)))
        print(f"\nupdated the cost table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
