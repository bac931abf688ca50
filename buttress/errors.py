"""Errors buttress raises at synth time for bad construct input."""

from __future__ import annotations


class ButtressError(ValueError):
    """A construct prop has a value buttress can tell is wrong before anything is deployed.

    Every message names the prop, the bad value and what is allowed, so the failing
    ``cdk synth`` says how to fix it.
    """


def invalid(prop: str, value: object, allowed: str) -> ButtressError:
    """Build the standard error: ``<prop>=<value> is invalid: <allowed>``."""
    return ButtressError(f"{prop}={value!r} is invalid: {allowed}")
