"""``make docs``: the API reference (docs/api.md) generated from the public API's docstrings.

Everything in ``buttress.__all__`` is documented: constructs with their full keyword-only
signature (types and defaults as in the code), the docstring (reStructuredText fields turned
into Markdown), the attributes documented with ``#:`` comments where they are assigned, and the
public methods and properties. A test fails when docs/api.md is not what this script writes.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
API_MD = REPO / "docs" / "api.md"

_ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|exc|obj):`~?([^`]+)`")
_PARAM = re.compile(r"^:param (\w+):\s*(.*)$")
_FIELD = re.compile(r"^:(returns?|raises \w+):\s*(.*)$")
_PRIVATE_NAME = re.compile(r"(^|[^.\w])_[A-Za-z]")
_ATTR_ASSIGN = re.compile(r"^\s*self\.([a-z]\w*)\s*(?::[^=]+)?=")


def rst_to_md(text: str) -> str:
    """The reStructuredText of buttress docstrings as Markdown: literals, roles, field lists."""

    def role(match: re.Match[str]) -> str:
        return f"`{match.group(1).rsplit('.', 1)[-1]}`"

    lines_out: list[str] = []
    in_doctest = False
    for raw in inspect.cleandoc(text).splitlines():
        if raw.startswith(">>>") and not in_doctest:
            lines_out.append("```pycon")
            in_doctest = True
        if in_doctest:
            if raw.strip():
                lines_out.append(raw)
                continue
            lines_out.append("```")
            in_doctest = False
        line = _ROLE.sub(role, raw).replace("``", "`")
        param = _PARAM.match(line)
        field = _FIELD.match(line)
        if param:
            lines_out.append(f"- `{param.group(1)}`: {param.group(2)}")
        elif field:
            lines_out.append(f"- *{field.group(1).capitalize()}*: {field.group(2)}")
        elif line.startswith("    ") and lines_out and lines_out[-1].startswith("- "):
            lines_out[-1] += " " + line.strip()  # continuation of a field
        else:
            lines_out.append(line)
    if in_doctest:
        lines_out.append("```")
    return "\n".join(lines_out).strip()


def source_defaults(func: Callable[..., Any]) -> dict[str, str]:
    """Default values as written in the source (``Duration.seconds(15)``, not an object repr)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return {}
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    found = {
        a.arg: ast.unparse(d)
        for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    }
    found.update(
        {a.arg: ast.unparse(d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
    )
    return found


def _default(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if type(value).__name__ == "Duration" and hasattr(value, "to_seconds"):
        seconds = int(value.to_seconds())
        if seconds and seconds % 3600 == 0:
            return f"Duration.hours({seconds // 3600})"
        if seconds and seconds % 60 == 0:
            return f"Duration.minutes({seconds // 60})"
        return f"Duration.seconds({seconds})"
    text = repr(value)
    # An object repr carries a memory address: never deterministic, so name the type only.
    return f"<{type(value).__name__}>" if " object at 0x" in text else text


def _annotation(value: Any) -> str:
    if isinstance(value, str):
        return value
    return inspect.formatannotation(value)


def signature(name: str, func: Callable[..., Any], *, skip_self: bool) -> str:
    params = list(inspect.signature(func).parameters.values())
    written = source_defaults(func)
    if skip_self and params and params[0].name == "self":
        params = params[1:]
    parts: list[str] = []
    star_done = False
    for param in params:
        if param.kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            star_done = True
            text = f"*{param.name}"
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            text = f"**{param.name}"
        else:
            text = param.name
        if param.annotation is not inspect.Parameter.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not inspect.Parameter.empty:
            source = written.get(param.name, "")
            # A private module constant (``_ONE_MINUTE``) tells a reader nothing: show its value.
            shown = source if source and not _PRIVATE_NAME.search(source) else _default(param.default)
            text += f" = {shown}"
        parts.append(text)
    returns = inspect.signature(func).return_annotation
    suffix = f" -> {_annotation(returns)}" if returns not in (inspect.Signature.empty, "None") else ""
    one_line = f"{name}({', '.join(parts)}){suffix}"
    if len(one_line) <= 100:
        return one_line
    return f"{name}(\n" + "".join(f"    {p},\n" for p in parts) + f"){suffix}"


def documented_attributes(cls: type) -> list[tuple[str, str]]:
    """``self.x = ...`` assignments in the class body preceded by ``#:`` comment lines."""
    try:
        source = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return []
    found: dict[str, str] = {}
    for index, line in enumerate(source):
        match = _ATTR_ASSIGN.match(line)
        if not match or match.group(1) in found:
            continue
        comments: list[str] = []
        back = index - 1
        while back >= 0 and source[back].strip().startswith("#:"):
            comments.insert(0, source[back].strip()[2:].strip())
            back -= 1
        if comments:
            found[match.group(1)] = " ".join(comments)
    return list(found.items())


def _members(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, member)
        for name, member in sorted(vars(cls).items())
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property | classmethod))
    ]


def document_class(name: str, cls: type) -> list[str]:
    out = [f"## `{name}`", ""]
    bases = [b.__name__ for b in cls.__bases__ if b is not object]
    if issubclass(cls, BaseException):
        out += [f"*exception*, a subclass of `{'`, `'.join(bases)}`", ""]
    else:
        out += ["```python", signature(name, cls.__init__, skip_self=True), "```", ""]
        if bases:
            out += [f"A `{'`, `'.join(bases)}`.", ""]
    out += [rst_to_md(cls.__doc__ or "(undocumented)"), ""]
    attributes = documented_attributes(cls)
    if attributes:
        out += ["**Attributes**", ""]
        out += [f"- `{attr}`: {rst_to_md(text)}" for attr, text in attributes]
        out.append("")
    for member_name, member in _members(cls):
        if isinstance(member, property):
            doc = member.fget.__doc__ if member.fget else None
            out += [f"### `{name}.{member_name}` (property)", ""]
        else:
            func = member.__func__ if isinstance(member, classmethod) else member
            doc = func.__doc__
            out += [f"### `{name}.{member_name}`", "", "```python"]
            out += [signature(member_name, func, skip_self=not isinstance(member, classmethod)), "```", ""]
        out += [rst_to_md(doc or "(undocumented)"), ""]
    return out


def document(package: str = "buttress") -> str:
    module = importlib.import_module(package)
    version = getattr(module, "__version__", "?")
    out = [
        f"# `{package}` API reference ({version})",
        "",
        "Generated from the docstrings by `make docs` (scripts/api_docs.py); do not edit by hand.",
        f"Everything here is importable from `{package}`.",
        "",
    ]
    names = sorted(getattr(module, "__all__", []))
    out += [f"- [`{n}`](#{n.lower()})" for n in names]
    out.append("")
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj):
            out += document_class(name, obj)
        elif callable(obj):
            out += [f"## `{name}`", "", "```python", signature(name, obj, skip_self=False), "```", ""]
            out += [rst_to_md(obj.__doc__ or "(undocumented)"), ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    API_MD.parent.mkdir(parents=True, exist_ok=True)
    API_MD.write_text(document())
    print(f"wrote {API_MD.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
