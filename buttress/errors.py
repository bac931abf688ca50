"""Errors buttress raises at synth time for bad construct input, and how they name their construct.

Pure rule modules (``buttress.rules``) raise :func:`invalid` errors that know the prop, the value
and what is allowed, but not which construct they belong to. A construct's public methods are
wrapped by :func:`reports_errors`, which prefixes the construct's path, so with two services in
one stack the message says which one is wrong::

    Platform/Api: min_capacity='2' is invalid: a whole number (int), not str
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class ButtressError(ValueError):
    """A construct prop has a value buttress can tell is wrong before anything is deployed.

    Every message names the construct (its path in the app), the prop, the value as given and
    what is allowed, so the failing ``cdk synth`` says how to fix it.

    :ivar path: the construct's path (``Stack/Construct``), or ``None`` outside a construct.
    :ivar prop: the prop (or ``method(prop)``) the message is about, when there is one.
    :ivar detail: the message without the construct path.
    """

    def __init__(self, detail: str, *, prop: str | None = None, path: str | None = None) -> None:
        self.detail = detail
        self.prop = prop
        self.path = path
        super().__init__(f"{path}: {detail}" if path else detail)

    def at(self, path: str) -> ButtressError:
        """The same error, named after the construct at ``path`` (unchanged if it already is)."""
        if self.path is not None:
            return self
        located = type(self).__new__(type(self))
        located.__dict__.update(self.__dict__)
        ButtressError.__init__(located, self.detail, prop=self.prop, path=path)
        return located


def invalid(prop: str, value: object, allowed: str) -> ButtressError:
    """The standard error: ``<prop>=<value> is invalid: <allowed>``, the value quoted as given.

    A value whose ``repr`` says nothing (a construct, a jsii proxy, an unresolved token) is described
    instead (:func:`describe`).
    """
    return ButtressError(f"{prop}={describe(value)} is invalid: {allowed}", prop=prop)


_TOKEN_MARKERS = ("${Token[", "#{Token[")
#: CDK encodes a number token as a float near -1.888e289; no real prop value is that large.
_NUMBER_TOKEN_FLOOR = 1e288


def describe(value: object) -> str:
    """``repr(value)`` for plain values; what the object is where its ``repr`` would not say.

    A string holding a CDK token (``'${Token[TOKEN.2591]}'``) is a value known only at deploy time; an
    object with a construct path is named by its type and path; any other object with a default
    ``<... object at 0x...>`` repr (``jsii._reference_map.InterfaceDynamicProxy``) by its type.
    Duck-typed: this module imports no CDK.
    """
    if isinstance(value, str):
        if any(marker in value for marker in _TOKEN_MARKERS):
            return "<a value known only at deploy time (a CDK token, e.g. another resource's attribute)>"
        return repr(value)
    if isinstance(value, float) and abs(value) > _NUMBER_TOKEN_FLOOR:
        return "<a number known only at deploy time (a CDK token)>"
    if isinstance(value, list | tuple):
        inner = ", ".join(describe(item) for item in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    text = repr(value)
    if not text.startswith("<") or " object at 0x" not in text:
        return text
    kind = _kind(value)
    try:
        path = str(value.node.path)  # type: ignore[attr-defined]
    except Exception:
        return f"<{kind}>"
    return f"<{kind} at {path!r}>" if path else f"<{kind}>"


def _kind(value: object) -> str:
    """The most telling type name: a jsii proxy names the interfaces it stands for."""
    cls = type(value)
    if cls.__name__ == "InterfaceDynamicProxy":
        names = [type(delegate).__name__ for delegate in getattr(value, "_delegates", ())]
        names = [name.removeprefix("_").removesuffix("Proxy") for name in names]
        names = [name for name in names if name.startswith("I")] or names
        return f"a jsii object implementing {', '.join(names)}" if names else "a jsii object"
    module = cls.__module__.split("._", 1)[0]
    return f"{module}.{cls.__qualname__.removeprefix('_').removesuffix('Proxy')}"


def _path_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The path of the construct a wrapped method runs on, also before ``Construct.__init__`` ran."""
    if not args:
        return None
    try:
        return str(args[0].node.path)
    except Exception:
        pass
    scope = args[1] if len(args) > 1 else kwargs.get("scope")
    id_ = args[2] if len(args) > 2 else kwargs.get("id_", kwargs.get("id"))
    try:
        parent = str(scope.node.path)  # type: ignore[union-attr]
    except Exception:
        return str(id_) if id_ is not None else None
    return f"{parent}/{id_}" if parent else str(id_)


def reports_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Decorate a construct's ``__init__`` or public method: its ``ButtressError`` names the construct."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ButtressError as error:
            path = _path_of(tuple(args), dict(kwargs))
            if path is None or error.path is not None:
                raise
            raise error.at(path) from None

    return wrapper
