"""Print every stack of a cloud assembly with its resource count (run by ``make synth``)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from buttress.tools.assembly import AssemblyError, read_assembly


def summarize(outdir: Path) -> list[tuple[str, int, Counter[str]]]:
    rows = []
    for name, template in read_assembly(outdir).templates().items():
        types = Counter(resource["Type"] for resource in template.get("Resources", {}).values())
        rows.append((name, sum(types.values()), types))
    return rows


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    try:
        rows = summarize(outdir)
    except AssemblyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print(f"no stacks in {outdir}", file=sys.stderr)
        return 1
    width = max(len(name) for name, _, _ in rows)
    for name, count, _ in rows:
        print(f"{name:<{width}}  {count:>4} resources  -> {outdir / (name + '.template.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
