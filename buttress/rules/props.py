"""Type checks at the boundary: every prop is checked here before a comparison or jsii sees it.

A mistyped prop (``max_azs="2"``, ``environment={"PORT": 8080}``, ``interface_endpoints="logs"``)
becomes a :class:`~buttress.errors.ButtressError` that names the prop, quotes the value as given
and says what is allowed, never a ``TypeError`` from ``<`` or a jsii ``SerializationError``.
Each function returns the value in its checked type, so callers go on with that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar

from buttress.errors import invalid

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


def _type_name(value: object) -> str:
    return type(value).__name__


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" of at least {low:g}"
    if high is not None:
        return f" of at most {high:g}"
    return ""


def integer(prop: str, value: object, *, low: int | None = None, high: int | None = None, allowed: str = "") -> int:
    """A whole number (``bool`` is not one) within ``low``..``high`` inclusive."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(prop, value, f"a whole number (int){_range(low, high)}, not {_type_name(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(prop, value, allowed or f"a whole number{_range(low, high)}")
    return value


def number(
    prop: str, value: object, *, low: float | None = None, high: float | None = None, allowed: str = ""
) -> float:
    """A finite number (int or float, not ``bool``) within ``low``..``high`` inclusive."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(prop, value, f"a number{_range(low, high)}, not {_type_name(value)}")
    if not math.isfinite(value):
        raise invalid(prop, value, f"a finite number{_range(low, high)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(prop, value, allowed or f"a number{_range(low, high)}")
    return float(value) if isinstance(value, float) else value


def boolean(prop: str, value: object) -> bool:
    """``True`` or ``False`` (not a truthy string such as ``"false"``)."""
    if not isinstance(value, bool):
        raise invalid(prop, value, f"True or False, not {_type_name(value)}")
    return value


def string(prop: str, value: object, *, empty: bool = False) -> str:
    """A string, non-empty unless ``empty``."""
    if not isinstance(value, str):
        raise invalid(prop, value, f"a string, not {_type_name(value)}")
    if not empty and not value:
        raise invalid(prop, value, "a non-empty string")
    return value


def strings(prop: str, value: object, *, empty: bool = False) -> list[str]:
    """A list (or tuple) of strings; one plain string is refused rather than split into characters."""
    if isinstance(value, str | bytes):
        raise invalid(prop, value, f"a list of strings, not one string: write [{value!r}]")
    if not isinstance(value, Sequence | set | frozenset):
        raise invalid(prop, value, f"a list of strings, not {_type_name(value)}")
    items = list(value)
    for index, item in enumerate(items):
        string(f"{prop}[{index}]", item, empty=empty)
    return items


def string_map(prop: str, value: object, *, values: str = "strings") -> dict[str, str]:
    """A mapping of string keys to string values (environment variables, tags...)."""
    if not isinstance(value, Mapping):
        raise invalid(prop, value, f"a mapping of strings to {values}, not {_type_name(value)}")
    for key, item in value.items():
        if not isinstance(key, str):
            raise invalid(prop, value, f"string keys, not {_type_name(key)} {key!r}")
        if not isinstance(item, str):
            raise invalid(f"{prop}[{key!r}]", item, f"a string (write {str(item)!r}), not {_type_name(item)}")
    return dict(value)


def mapping(prop: str, value: object) -> dict[str, Any]:
    """A mapping with string keys (a JSON object)."""
    if not isinstance(value, Mapping):
        raise invalid(prop, value, f"a mapping (dict), not {_type_name(value)}")
    for key in value:
        if not isinstance(key, str):
            raise invalid(prop, value, f"string keys, not {_type_name(key)} {key!r}")
    return dict(value)


def option(prop: str, value: object, kind: type[E]) -> E:
    """A member of the str-valued enum ``kind``, given as the member or as its plain string value."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        for member in kind:
            if member.value == value:
                return member
        for member in kind:
            if str(member.value).lower() == value.lower():
                raise invalid(prop, value, f"one of {_choices(kind)} (did you mean {member.value!r}?)")
    raise invalid(prop, value, f"one of {_choices(kind)} (or buttress.{kind.__name__}.<NAME>)")


def _choices(kind: type[Enum]) -> str:
    return ", ".join(repr(m.value) for m in kind)


def instance(prop: str, value: object, kind: type[T] | tuple[type[Any], ...], what: str) -> T:
    """An instance of ``kind`` (a class or tuple of classes); ``what`` names it for the message."""
    if not isinstance(value, kind):
        raise invalid(prop, value, f"{what}, not {_type_name(value)}")
    return value


def one_of(prop: str, value: object, choices: Iterable[object]) -> None:
    """``value`` is one of ``choices``."""
    allowed = list(choices)
    if value not in allowed:
        raise invalid(prop, value, "one of " + ", ".join(repr(c) for c in allowed))


def offers(value: object, *attributes: str) -> bool:
    """Whether ``value`` is not ``None`` and has every one of ``attributes``.

    jsii interfaces (``IVpc``, ``IQueue``, ``IAlarmAction``, ``IGrantable``...) are not
    runtime-checkable, so an object passed for one is recognised by what it offers.
    """
    return value is not None and all(hasattr(value, attribute) for attribute in attributes)


def interface(prop: str, value: object, attributes: Sequence[str], what: str, *, optional: bool = False) -> Any:
    """``value`` if it offers ``attributes`` (or is ``None`` and ``optional``), else an error naming ``what``."""
    if value is None and optional:
        return None
    if not offers(value, *attributes):
        raise invalid(prop, value, f"{what}, not {_type_name(value)}")
    return value
