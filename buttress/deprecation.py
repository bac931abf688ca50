"""Deprecating a public name: one warning that says what to use instead and when the old one goes.

The policy (CONTRIBUTING.md): a public name is deprecated for at least one minor release before it
is removed; the deprecation is a CHANGELOG line; the removal is a declared break of the public-API
check (``api/declared-breaks.txt``). Pure: no CDK import.

    @deprecated(replacement="buttress.FanoutTopic(..., dead_letter_queue=...)", removed_in="0.3.0")
    def make_dlq(...): ...

    warn_deprecated("AlbFargateService(ssl_policy=str)", replacement="ssl_policy=elbv2.SslPolicy", removed_in="0.3.0")

The warning points at the caller (``stacklevel``), so Python shows it by default when the caller is
the CDK app's script (``__main__``), and pytest shows it in the caller's tests;
``-W error::DeprecationWarning`` turns it into an error. It is a :class:`DeprecationWarning`, not a
:class:`FutureWarning`, because its readers are the developers of CDK apps, not their end users.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")

_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class ButtressDeprecationWarning(DeprecationWarning):
    """A buttress name or prop that still works and is going away in ``removed_in``.

    :ivar old: what is deprecated, as a user writes it.
    :ivar replacement: what to write instead.
    :ivar removed_in: the version (``X.Y.Z``) that no longer has it.
    """

    def __init__(self, old: str, *, replacement: str, removed_in: str) -> None:
        self.old = old
        self.replacement = replacement
        self.removed_in = removed_in
        super().__init__(f"{old} is deprecated and will be removed in buttress {removed_in}; use {replacement} instead")


def _check(old: str, replacement: str, removed_in: str) -> None:
    # A typo here would ship a warning that says nothing useful; fail when the module is imported.
    if not old or not replacement:
        raise ValueError("a deprecation names the old thing and its replacement")
    if not _VERSION.match(removed_in):
        raise ValueError(f"removed_in={removed_in!r} is not a version X.Y.Z")


def warn_deprecated(old: str, *, replacement: str, removed_in: str, stacklevel: int = 2) -> None:
    """Warn that ``old`` is deprecated; ``stacklevel`` 2 points at the caller of the function that calls this."""
    _check(old, replacement, removed_in)
    warnings.warn(
        ButtressDeprecationWarning(old, replacement=replacement, removed_in=removed_in), stacklevel=stacklevel + 1
    )


def deprecated(
    *, replacement: str, removed_in: str, name: str | None = None
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a function or method: each call warns, naming it.

    A class keeps its type (``isinstance`` must still work): call :func:`warn_deprecated` in its
    ``__init__`` instead; a prop: call it when the prop is given.

    ``name`` defaults to the qualified name (``module.Class.method``). The docstring gets a
    ``.. deprecated::`` line so ``make docs`` shows it.
    """

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        old = name or f"{func.__module__}.{func.__qualname__}"
        _check(old, replacement, removed_in)

        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            warn_deprecated(old, replacement=replacement, removed_in=removed_in, stacklevel=2)
            return func(*args, **kwargs)

        note = f".. deprecated:: use {replacement}; removed in {removed_in}."
        wrapper.__doc__ = f"{func.__doc__.rstrip()}\n\n{note}" if func.__doc__ else note
        return wrapper

    return decorate
