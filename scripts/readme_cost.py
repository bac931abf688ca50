"""The README's cost table (between ``<!-- cost:begin -->`` and ``<!-- cost:end -->``), generated.

The table is ``buttress.tools.cost`` (what ``make cost`` prints as ``--markdown``) over the example
app's synthesized cloud assembly, so it cannot drift from the code: ``tests/test_docs.py`` renders
it from the test session's synthesis and fails when the README's differs. ``make docs`` (or
``python -m scripts.readme_cost``) synthesizes the app and rewrites the block.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from buttress.tools import cost

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def table(cdk_out: Path | str) -> str:
    """The Markdown cost table of every stack in a synthesized cloud assembly, at buttress's prices."""
    prices = cost.load_prices()
    return cost.render_markdown(cost.estimate_assembly(cdk_out, prices), prices)


def with_table(readme: str, cdk_out: Path | str) -> str:
    """``readme`` with its cost block replaced by the table of ``cdk_out``."""
    return cost.update_block(readme, table(cdk_out))


def main() -> int:
    sys.path.insert(0, str(REPO))
    from app import build_app

    outdir = tempfile.mkdtemp(prefix="buttress-readme-cost-")
    build_app(outdir=outdir).synth()
    README.write_text(with_table(README.read_text(), outdir))
    print(f"wrote the cost table of {README.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
