"""Pull-request review of two cloud assemblies: what a change replaces, deletes, opens up and costs.

    buttress-review BASE HEAD            # or: python -m buttress.review BASE HEAD

BASE and HEAD are ``cdk.out`` folders (the base branch and the pull request, each synthesized).
The report is Markdown for one pull-request comment: stateful resources replaced or removed first
(with their ``DeletionPolicy`` / ``UpdateReplacePolicy``), a summary per stack, IAM and
security-group widening, the fixed monthly cost change (:mod:`buttress.tools.cost`), and cdk-nag and
cfn-lint findings added or removed; identical assemblies give one line. Exit status: 0 when nothing
risky changed, 1 when a stateful resource is replaced or removed or access widens (``--fail-on``
chooses), 2 on bad input (the folder and the argument are named).

The review is computed by :mod:`buttress.tools.review_model` from what
:mod:`buttress.tools.review_assembly` reads (and :mod:`buttress.tools.review_acknowledgements`), and
reported by :mod:`buttress.tools.review_json` and :mod:`buttress.tools.review_markdown`; this module
is the command line, and every public name imports from here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from buttress.tools.assembly import AssemblyError
from buttress.tools.prices import load_prices
from buttress.tools.review_acknowledgements import (
    ACKNOWLEDGED_METADATA,
    ACKNOWLEDGEMENTS_FILE,
    LOGICAL_ID_METADATA,
    metadata_acknowledgements,
    read_acknowledgements,
)
from buttress.tools.review_assembly import (
    MAX_STAGE_DEPTH,
    NESTED_ASSEMBLY,
    Deployed,
    asset_names,
    deployed_templates,
    review_assemblies,
    stages,
)
from buttress.tools.review_json import SCHEMA, at_risk_as, review_data, what_happens
from buttress.tools.review_markdown import Data, render_markdown
from buttress.tools.review_model import (
    ACKNOWLEDGEABLE,
    DEFAULT_FAIL_ON,
    FAIL_ON,
    FAILING_CAUTIONS,
    MARKER,
    Acknowledgement,
    Review,
    StackReview,
    Templates,
    output_changes,
    review_templates,
)

__all__ = [
    "ACKNOWLEDGEABLE",
    "ACKNOWLEDGED_METADATA",
    "ACKNOWLEDGEMENTS_FILE",
    "DEFAULT_FAIL_ON",
    "FAILING_CAUTIONS",
    "FAIL_ON",
    "LOGICAL_ID_METADATA",
    "MARKER",
    "MAX_STAGE_DEPTH",
    "NESTED_ASSEMBLY",
    "SCHEMA",
    "Acknowledgement",
    "Data",
    "Deployed",
    "Review",
    "StackReview",
    "Templates",
    "asset_names",
    "at_risk_as",
    "deployed_templates",
    "main",
    "metadata_acknowledgements",
    "output_changes",
    "parse_fail_on",
    "read_acknowledgements",
    "render_markdown",
    "review_assemblies",
    "review_data",
    "review_templates",
    "stages",
    "what_happens",
]


# -- command line ---------------------------------------------------------------------------------


def parse_fail_on(value: str) -> tuple[str, ...]:
    """``--fail-on`` (comma-separated categories, or ``none``)."""
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    if chosen == ("none",):
        return ()
    unknown = [v for v in chosen if v not in FAIL_ON]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"{value!r}: comma-separated of {', '.join(FAIL_ON)}, or none")
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buttress-review",
        description="Markdown review of HEAD against BASE, two cloud assemblies (cdk.out folders).",
        epilog="Exit status: 0 nothing risky, 1 a --fail-on category met, 2 bad input.",
    )
    parser.add_argument("base", metavar="BASE", help="cloud assembly of the base (e.g. the target branch)")
    parser.add_argument("head", metavar="HEAD", nargs="?", help="cloud assembly of the change")
    parser.add_argument(
        "--deployed",
        action="store_true",
        help="BASE is what CloudFormation has deployed (GetTemplate; needs credentials): `--deployed HEAD`",
    )
    parser.add_argument("--base-label", help="how to name BASE in the report (default: its path)")
    parser.add_argument("--head-label", help="how to name HEAD in the report (default: its path)")
    parser.add_argument("--output", "-o", type=Path, help="also write the report to this file")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON report to this file")
    parser.add_argument(
        "--fail-on",
        type=parse_fail_on,
        default=DEFAULT_FAIL_ON,
        help=f"exit 1 when any of these is met: {', '.join(FAIL_ON)} or none (default: {','.join(DEFAULT_FAIL_ON)})",
    )
    parser.add_argument("--no-cfn-lint", action="store_true", help="do not compare cfn-lint findings")
    parser.add_argument("--cfn-lint-ignore", action="append", default=[], metavar="RULE", help="cfn-lint rule to skip")
    parser.add_argument(
        "--cfn-lint-ignore-file", type=Path, help="file of cfn-lint rules to skip, one per line (`RULE  # reason`)"
    )
    parser.add_argument("--prices", help="price table JSON (default: buttress's us-east-1 table)")
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="report format (json: docs/review.md)"
    )
    parser.add_argument(
        "--acknowledgements",
        type=Path,
        metavar="FILE",
        help=f"reviewed acknowledgements (default: ./{ACKNOWLEDGEMENTS_FILE} when it exists)",
    )
    return parser


def _ignored(args: argparse.Namespace) -> list[str]:
    rules = list(args.cfn_lint_ignore)
    if args.cfn_lint_ignore_file:
        try:
            lines = args.cfn_lint_ignore_file.read_text().splitlines()
        except OSError as exc:
            raise ValueError(f"--cfn-lint-ignore-file {args.cfn_lint_ignore_file}: {exc.strerror}") from exc
        rules += [r for r in (line.split("#", 1)[0].strip() for line in lines) if r]
    return rules


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        prices = load_prices(args.prices) if args.prices else None
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: --prices {args.prices}: not a usable price table: {exc!r}", file=sys.stderr)
        return 2
    try:
        if args.deployed and args.head is not None:
            raise ValueError("--deployed compares one assembly, HEAD, with the deployed stacks: give HEAD only")
        if not args.deployed and args.head is None:
            raise ValueError("give BASE and HEAD (or --deployed HEAD)")
        base: Path | str | Deployed = Deployed.with_credentials() if args.deployed else args.base
        head = args.base if args.deployed else args.head
        ack_file = args.acknowledgements or Path(ACKNOWLEDGEMENTS_FILE)
        acknowledgements = read_acknowledgements(ack_file) if args.acknowledgements or ack_file.is_file() else []
        review = review_assemblies(
            base,
            head,
            base_label=args.base_label,
            head_label=args.head_label,
            cfn_lint=not args.no_cfn_lint,
            cfn_lint_ignore=_ignored(args),
            prices=prices,
            acknowledgements=acknowledgements,
        )
    except (AssemblyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: buttress-review needs cfn-lint (pip install 'buttress[review]'): {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a traceback would exit 1, which means "risky change"
        print(f"error: buttress-review cannot read this input (please report it): {exc!r}", file=sys.stderr)
        return 2
    data = review_data(review, fail_on=args.fail_on)
    as_json = json.dumps(data, indent=2) + "\n"
    report = as_json if args.format == "json" else render_markdown(data)
    print(report, end="")
    if args.output:
        args.output.write_text(report)
    if args.json:
        args.json.write_text(as_json)
    hits = data["failing"]
    if hits:
        print(f"buttress-review: {', '.join(hits)} (exit 1; --fail-on {','.join(args.fail_on)})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
