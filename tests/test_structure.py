"""The size limits of docs/architecture.md, measured with ``ast``: a file over them fails the build.

No ``.py`` file in ``buttress/`` over 500 lines, no class over 400, no function or method body
over 60. Lines of code are counted: blank lines, comment lines (the ``#:`` attribute docs the API
reference is generated from among them) and docstrings do not count. A function body runs from its
first statement after the docstring, so a long keyword-only signature does not count either, nor
does the one ``<Construct>Props(...)`` call that mirrors it (the props object of docs/architecture.md).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "buttress"
MAX_FILE_LINES = 500
MAX_CLASS_LINES = 400
MAX_BODY_LINES = 60

#: Known to be over a limit today, each entry ``"<path>"`` (file), ``"<path>:<Class>"`` or
#: ``"<path>:<Class.method>"`` / ``"<path>:<function>"``. Nothing may be added to it; an entry no
#: longer over its limit fails too (test_known_over_only_shrinks), so the set only shrinks and the
#: lead empties it as the package split of issue 21 lands.
KNOWN_OVER: frozenset[str] = frozenset()


def _python_files() -> list[Path]:
    # _lambda_src is a symlink to lambda_src, the Lambda assets: runtime code with its own shape.
    return sorted(p for p in PACKAGE.rglob("*.py") if "_lambda_src" not in p.relative_to(PACKAGE).parts)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_props_call(node: ast.stmt) -> bool:
    """``props = XProps(...)`` (or ``check(XProps(...))``): the one call that turns keyword arguments into props."""
    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
    while isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        value = value.args[0]  # a check wrapped around the props object
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id.endswith("Props")
        and not value.args
    )


def _not_code(tree: ast.AST) -> set[int]:
    """Line numbers of docstrings (module, class, function) and of props calls: they are not counted."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            if _is_docstring(body[0]):
                skipped.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for statement in body:
                    if _is_props_call(statement):
                        skipped.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    return skipped


def _code_lines(lines: list[str], first: int, last: int, skipped: set[int]) -> int:
    """Lines ``first``..``last`` (1-based) that hold code: not blank, not a comment, not in ``skipped``."""
    return sum(
        1
        for number in range(first, last + 1)
        if number not in skipped and lines[number - 1].strip() and not lines[number - 1].lstrip().startswith("#")
    )


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str] | None = None) -> int:
    body = node.body
    if len(body) > 1 and _is_docstring(body[0]):
        body = body[1:]  # the docstring
    end = node.end_lineno or body[-1].lineno
    if lines is None:
        return end - body[0].lineno + 1
    return _code_lines(lines, body[0].lineno, end, _not_code(node))


def _definitions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """``(qualified name, node)`` of every class and function, nested ones too."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                yield name, child
                yield from walk(child, f"{name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def measure() -> dict[str, tuple[int, int]]:
    """Every measured thing over its limit: entry -> (lines, limit)."""
    over: dict[str, tuple[int, int]] = {}
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text, filename=rel)
        skipped = _not_code(tree)
        size = _code_lines(lines, 1, len(lines), skipped)
        if size > MAX_FILE_LINES:
            over[rel] = (size, MAX_FILE_LINES)
        for name, node in _definitions(tree):
            if isinstance(node, ast.ClassDef):
                size = _code_lines(lines, node.lineno, node.end_lineno or node.lineno, skipped)
                if size > MAX_CLASS_LINES:
                    over[f"{rel}:{name}"] = (size, MAX_CLASS_LINES)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = _body_lines(node, lines)
                if size > MAX_BODY_LINES:
                    over[f"{rel}:{name}"] = (size, MAX_BODY_LINES)
    return over


def test_nothing_new_over_the_limits() -> None:
    new = {entry: size for entry, size in measure().items() if entry not in KNOWN_OVER}
    assert not new, "over the size limits (lines, limit): " + ", ".join(f"{e} {s}" for e, s in sorted(new.items()))


def test_known_over_only_shrinks() -> None:
    fixed = sorted(KNOWN_OVER - set(measure()))
    assert not fixed, f"no longer over a limit, remove from KNOWN_OVER: {fixed}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            'def f(\n    a: int,\n    b: int,\n) -> int:\n    """Doc.\n\n    More.\n    """\n    x = a\n    return x\n',
            2,
        ),
        ("def f() -> None:\n    pass\n", 1),
        ('def f() -> str:\n    """Only a docstring is the body."""\n', 1),
    ],
)
def test_body_is_counted_from_the_first_statement_after_the_docstring(source: str, expected: int) -> None:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert _body_lines(node) == expected


def test_comments_blank_lines_and_the_props_call_are_not_code() -> None:
    source = (
        "def __init__(self, *, a: int, b: int) -> None:\n"
        '    """Doc."""\n'
        "    props = check(\n"
        "        ThingProps(\n"
        "            a=a,\n"
        "            b=b,\n"
        "        )\n"
        "    )\n"
        "\n"
        "    #: The first attribute.\n"
        "    self.a = props.a\n"
        "    self.b = build(props)\n"
    )
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert _body_lines(node, source.splitlines()) == 2
