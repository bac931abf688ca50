"""docs/review.md shows the report ``buttress-review`` gives today for the scripted sample change."""

from __future__ import annotations

from scripts.review_sample import DOC, documented_sample, sample_report


def test_sample_report_is_current() -> None:
    assert documented_sample(DOC.read_text()) == sample_report().rstrip("\n"), (
        "docs/review.md's sample is stale: python -m scripts.review_sample"
    )
