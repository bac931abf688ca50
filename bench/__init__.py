"""``make bench``: benchmarks that report medians and ratios measured in one run (no timing asserts)."""
