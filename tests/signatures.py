"""A construct's keyword-only parameters and its ``<Construct>Props`` dataclass must agree exactly.

The constructor turns its keyword arguments into the props object in one explicit call, so a
prop added to one side and not the other would be silently dropped or never settable.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any


def props_mismatches(construct: type[Any], props: type[Any]) -> list[str]:
    """What differs between ``construct.__init__``'s keyword-only parameters and ``props``' fields:
    names and order, annotations (as written), and defaults where the dataclass has one."""
    parameters = [
        p for p in inspect.signature(construct.__init__).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    fields = dataclasses.fields(props)
    names = [p.name for p in parameters]
    if names != [f.name for f in fields]:
        return [f"names differ: {names} != {[f.name for f in fields]}"]
    out: list[str] = []
    for parameter, field in zip(parameters, fields, strict=True):
        if str(parameter.annotation) != str(field.type):
            out.append(f"{field.name}: annotation {parameter.annotation!r} != {field.type!r}")
        has_default = field.default is not dataclasses.MISSING
        if has_default and parameter.default != field.default:
            out.append(f"{field.name}: default {parameter.default!r} != {field.default!r}")
        if not has_default and parameter.default is not inspect.Parameter.empty:
            out.append(f"{field.name}: the constructor has a default, the dataclass none")
    return out
