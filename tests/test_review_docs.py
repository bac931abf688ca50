"""docs/review.md shows the report ``buttress-review`` gives today for the scripted sample change."""

from __future__ import annotations

from scripts.review_sample import DOC, documented_sample, sample_report


def test_sample_report_is_current() -> None:
    assert documented_sample(DOC.read_text()) == sample_report().rstrip("\n"), (
        "docs/review.md's sample is stale: python -m scripts.review_sample"
    )


def test_json_fields_are_documented() -> None:
    """Every top-level field of the JSON report is in docs/review.md's table, and nothing else is."""
    import re

    from buttress.tools.review import review_data, review_templates
    from scripts.review_sample import base_templates, head_templates

    base = base_templates()
    data = review_data(review_templates(base, head_templates(base)))
    section = DOC.read_text().split("## JSON (`--format json`, `--json FILE`)")[1].split("\n## ")[0]
    documented = set()
    for row in re.findall(r"^\| (`[^|]+) \|", section, flags=re.M):
        documented |= {name.split("[")[0].split(".")[0] for name in re.findall(r"`([^`]+)`", row)}
    assert documented == set(data)
