"""The ``period`` every ``metric_*`` method takes, checked and defaulted in one place."""

from __future__ import annotations

from aws_cdk import Duration

from buttress.rules import props

#: The default period of every ``metric_*`` method (the docs/architecture.md convention).
DEFAULT_PERIOD = Duration.minutes(5)


def period(value: object) -> Duration:
    """``value`` as the metric period: ``None`` is five minutes, anything but a ``Duration`` is an error."""
    if value is None:
        return DEFAULT_PERIOD
    checked: Duration = props.instance("period", value, Duration, "a Duration (e.g. Duration.minutes(5))")
    return checked
