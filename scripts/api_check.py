"""The public API against the last release: fail on a break that ``api/declared-breaks.txt`` does not declare.

``make api-check`` (part of ``make test``) and ``make release`` run it. The public surface is every
name of ``buttress.__all__``, the public names of the modules users import (:data:`PUBLIC_MODULES`)
and the entry points (the console scripts of ``pyproject.toml`` and the ``python -m`` tools). griffe
reads the source statically: nothing is imported, jsii does not start.

The last release is, in this order:

1. the committed baseline ``api/public-api.json``, written by ``--update`` (``make release``) from
   griffe's JSON of each public object (signatures and members; no docstrings or line numbers, so
   it changes only when the API does). A fresh clone in CI has it even without tags.
2. when the newest ``vX.Y.Z`` tag is in the local repository, that tag too (``griffe.load_git``).

Each public *path* (``buttress.alb_fargate.AlbFargateService``) is looked up in the new tree and
followed through re-exports, so a class moved into a package and re-exported from its old module
is not a break; its signature and public members are compared with ``griffe.find_breaking_changes``.
A path that once was public stays in the baseline until its removal is declared, even if a
refactoring makes griffe stop calling it public (an import without ``__all__``).

A declared break is one line of ``api/declared-breaks.txt``: ``KIND PATH: reason`` (the first two
are what this script prints for the break). The release that ships it moves the reason into the
CHANGELOG, rewrites the baseline and empties the file.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "buttress"
BASELINE = Path("api") / "public-api.json"
DECLARED = Path("api") / "declared-breaks.txt"

#: Modules users import (README, docs/*.md, examples/consumer); their public names are API.
PUBLIC_MODULES = (
    "buttress.alb_fargate",
    "buttress.codebuild",
    "buttress.compliance",
    "buttress.deprecation",
    "buttress.errors",
    "buttress.fanout",
    "buttress.filter_policy",
    "buttress.kill_switch",
    "buttress.network",
    "buttress.options",
)
#: Entry points run as ``python -m`` (the workflow users copy runs review_ci) besides the console scripts.
MODULE_ENTRY_POINTS = ("buttress.review.main", "buttress.tools.review_ci.main")

# What griffe's JSON holds that is not API: it would make the baseline change on every edit.
_NOT_API = {
    "analysis",
    "docstring",
    "endlineno",
    "filepath",
    "lineno",
    "relative_filepath",
    "relative_package_filepath",
    "runtime",
    "source",
}
_OBJECT_KINDS = {kind.value for kind in griffe.Kind}
_TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
_ROOT = "api"  # the stand-in module the compared objects are put in


class ApiCheckError(RuntimeError):
    """Bad input (a baseline or declaration file that does not parse); exit 2."""


@dataclass(frozen=True)
class Break:
    kind: str  # griffe's BreakageKind name, lower-case with dashes: parameter-removed, object-removed...
    path: str  # the public path, then the member and (parameter)
    explanation: str

    @property
    def key(self) -> str:
        return f"{self.kind} {self.path}"


# --- the public surface -------------------------------------------------------------------------


def load_package(root: Path, *, package: str = PACKAGE) -> griffe.Module:
    """The package as griffe reads it from ``root``'s source (static, no import)."""
    # try_relative_path=False: else a ./buttress folder in the working directory wins over root.
    loaded = griffe.load(
        package, search_paths=[root], try_relative_path=False, allow_inspection=False, resolve_aliases=True
    )
    assert isinstance(loaded, griffe.Module)
    return loaded


def entry_points(root: Path) -> list[str]:
    """``module.function`` of every console script in ``pyproject.toml``, plus the ``python -m`` tools."""
    pyproject = root / "pyproject.toml"
    scripts: dict[str, str] = {}
    if pyproject.is_file():
        scripts = tomllib.loads(pyproject.read_text()).get("project", {}).get("scripts", {})
    return sorted({value.replace(":", ".") for value in scripts.values()} | set(MODULE_ENTRY_POINTS))


def _member(package: griffe.Module, path: str) -> griffe.Object | griffe.Alias | None:
    """The object at a dotted public path, following re-exports; None when it is not there (any more)."""
    relative = path.removeprefix(f"{package.name}.")
    if relative == path:
        return None
    try:
        found = package[relative]
        if isinstance(found, griffe.Alias):
            found = found.final_target
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    assert isinstance(found, griffe.Object | griffe.Alias)
    return found


def _is_api(member: griffe.Object | griffe.Alias) -> bool:
    # Type variables are public names only for the annotations they make; renaming one breaks no caller.
    if not member.is_public:
        return False
    value = str(getattr(member, "value", "")) if not member.is_alias and member.is_attribute else ""
    return not value.startswith(("TypeVar(", "ParamSpec("))


def public_paths(
    package: griffe.Module, *, modules: Iterable[str] = PUBLIC_MODULES, entries: Iterable[str] = ()
) -> list[str]:
    """Every public path: ``__all__`` of the package, the public names of ``modules``, ``entries``."""
    paths: list[str] = []
    exported = package.members.get("__all__")
    names = package.exports if package.exports is not None else []
    if exported is None and not names:
        names = [name for name, member in package.members.items() if member.is_public]
    paths += [f"{package.name}.{name}" for name in names if isinstance(name, str)]
    for module_path in modules:
        module = _member(package, module_path)
        if not isinstance(module, griffe.Module):
            continue
        paths += [f"{module_path}.{name}" for name, member in module.members.items() if _is_api(member)]
    paths += [path for path in entries if _member(package, path) is not None]
    return list(dict.fromkeys(paths))


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in _NOT_API or key.startswith("is_"):
                continue
            if key == "members" and isinstance(value, dict):
                # Private members are not API; __init__ is (the constructor's props).
                value = {n: m for n, m in value.items() if not n.startswith("_") or n == "__init__"}
            out[key] = _strip(value)
        return out
    if isinstance(data, list):
        return [_strip(item) for item in data]
    return data


def surface(package: griffe.Module, paths: Iterable[str]) -> dict[str, Any]:
    """Public path -> griffe's JSON of the object (without what is not API), or ``{"same_as": path}``.

    Two paths to one object (``buttress.Network`` and ``buttress.network.Network``) store it once.
    """
    out: dict[str, Any] = {}
    seen: dict[str, str] = {}  # canonical path -> first public path
    for path in paths:
        found = _member(package, path)
        if found is None:
            continue
        canonical = found.path
        if canonical in seen:
            out[path] = {"same_as": seen[canonical]}
            continue
        seen[canonical] = path
        out[path] = _strip(json.loads(found.as_json(full=True)))
    return out


def _restore(data: Any, key: str | None = None) -> Any:
    # griffe's decoder wants the line numbers the baseline leaves out.
    if isinstance(data, dict):
        data = {k: _restore(v, k) for k, v in data.items()}
        if data.get("kind") in _OBJECT_KINDS:
            data.setdefault("lineno", None)
            data.setdefault("endlineno", None)
        return data
    if isinstance(data, list):
        items = [_restore(item) for item in data]
        if key == "decorators":
            items = [{**item, "lineno": None, "endlineno": None} for item in items]
        return items
    return data


def decode(entry: Mapping[str, Any]) -> griffe.Object:
    decoded = json.loads(json.dumps(_restore(dict(entry))), object_hook=griffe.json_decoder)
    if not isinstance(decoded, griffe.Object):
        raise ApiCheckError(f"not a griffe object: {str(entry)[:80]}")
    return decoded


# --- comparison ---------------------------------------------------------------------------------


def _name(public: str) -> str:
    # A member name without dots: griffe's set_member would read dots as nesting.
    return public.replace(".", ":")


def _break_path(breakage: griffe.Breakage, public: str) -> str:
    obj_path = breakage.obj.path
    prefix = f"{_ROOT}.{_name(public)}"
    path = public + obj_path.removeprefix(prefix) if obj_path.startswith(prefix) else public
    parameter = next((v for v in (breakage.old_value, breakage.new_value) if isinstance(v, griffe.Parameter)), None)
    return f"{path}({parameter.name})" if parameter is not None else path


def _value(value: Any) -> str:
    if isinstance(value, griffe.Parameter):
        default = f" = {value.default}" if value.default is not None else ""
        kind = f" ({value.kind.value})" if value.kind is not None else ""
        return f"{value.name}{default}{kind}"
    if isinstance(value, griffe.Kind):
        return value.value
    return "nothing" if value is None else str(value)


def _explain(breakage: griffe.Breakage, path: str) -> str:
    # griffe's explain() wants source files and line numbers, which the baseline does not keep.
    return f"{path}: {breakage.kind.value}: {_value(breakage.old_value)} -> {_value(breakage.new_value)}"


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def compare(old: Mapping[str, Any], new_package: griffe.Module) -> list[Break]:
    """Breaks between an old surface (:func:`surface`'s output) and the package as it is now."""
    logging.getLogger("griffe").setLevel(logging.ERROR)
    breaks: list[Break] = []
    new_canonical: dict[str, str] = {}
    for path, entry in old.items():
        found = _member(new_package, path)
        if found is None:
            breaks.append(Break("object-removed", path, f"{path}: public object was removed"))
            continue
        new_canonical[path] = found.path
        if "same_as" in entry:
            continue
        name = _name(path)
        old_root, new_root = griffe.Module(_ROOT), griffe.Module(_ROOT)
        # Both sides from the same stripped JSON: the new object is not re-parented, and griffe
        # compares like with like (an Alias on one side would skip the comparison).
        for root, data in ((old_root, entry), (new_root, _strip(json.loads(found.as_json(full=True))))):
            obj = decode(data)
            obj.name = name  # a moved class keeps its public path in the breaks reported
            root.set_member(name, obj)
        for breakage in griffe.find_breaking_changes(old_root, new_root):
            kind = _kebab(type(breakage).__name__.removesuffix("Breakage"))
            where = _break_path(breakage, path)
            breaks.append(Break(kind, where, _explain(breakage, where)))
    for path, entry in old.items():
        # Two paths that were one object must stay one object (a re-export, not a different class).
        same_as = entry.get("same_as")
        if same_as in new_canonical and path in new_canonical and new_canonical[path] != new_canonical[same_as]:
            explanation = f"{path}: was {same_as}, now {new_canonical[path]} (not {new_canonical[same_as]})"
            breaks.append(Break("object-changed-target", path, explanation))
    return breaks


def declared_breaks(text: str) -> dict[str, str]:
    """``KIND PATH: reason`` lines -> reason; ``#`` comments and blank lines skipped; a reason is required."""
    declared: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, reason = line.partition(": ")
        if not sep or not reason.strip() or len(key.split()) != 2:
            raise ApiCheckError(f"{DECLARED}:{number}: expected 'KIND PATH: reason', got {line!r}")
        declared[key] = reason.strip()
    return declared


def latest_tag(root: Path) -> str | None:
    """The newest ``vX.Y.Z`` tag of the local repository (a clone without tags has none)."""
    proc = subprocess.run(["git", "-C", str(root), "tag", "--list", "v*"], capture_output=True, text=True, check=False)
    tags = [t for t in proc.stdout.split() if _TAG.match(t)]
    return max(tags, key=lambda t: tuple(int(n) for n in _TAG.match(t).groups()), default=None)  # type: ignore[union-attr]


def tag_surface(root: Path, tag: str) -> dict[str, Any]:
    old = griffe.load_git(PACKAGE, ref=tag, repo=root, allow_inspection=False, resolve_aliases=True)
    assert isinstance(old, griffe.Module)
    return surface(old, public_paths(old, entries=entry_points(root)))


# --- files --------------------------------------------------------------------------------------


def read_baseline(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ApiCheckError(f"{path}: no baseline; write it with --update (make release does)")
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())["objects"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiCheckError(f"{path}: not a baseline written by --update ({exc})") from exc
    return loaded


def write_baseline(path: Path, objects: Mapping[str, Any], version: str) -> None:
    """One public path per line, sorted: a release's diff of this file reads as its API change."""
    lines = [
        json.dumps(p) + ": " + json.dumps(objects[p], sort_keys=True, separators=(",", ":")) for p in sorted(objects)
    ]
    body = ",\n".join(f"  {line}" for line in lines)
    header = json.dumps({"buttress": version, "generator": "scripts/api_check.py --update (griffe)"})[1:-1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{{{header},\n"objects": {{\n{body}\n}}}}\n')


def _version(package: griffe.Module) -> str:
    attribute = package.members.get("__version__")
    value = getattr(attribute, "value", None)
    return str(value).strip("'\"") if value is not None else "unknown"


# --- command line -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.api_check", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--root", type=Path, default=REPO, help="the repository (default: this one)")
    parser.add_argument("--baseline", type=Path, help=f"the baseline file (default: ROOT/{BASELINE})")
    parser.add_argument("--declared", type=Path, help=f"the declared breaks (default: ROOT/{DECLARED})")
    parser.add_argument("--tag", help="compare with this git tag too (default: the newest vX.Y.Z tag, if any)")
    parser.add_argument("--no-tag", action="store_true", help="compare with the baseline only")
    parser.add_argument(
        "--update",
        action="store_true",
        help="after the check passes, rewrite the baseline from the source (the release step)",
    )
    return parser


def _report(breaks: list[Break], declared: Mapping[str, str], label: str) -> list[Break]:
    undeclared = [b for b in breaks if b.key not in declared]
    for found in breaks:
        mark = "declared" if found.key in declared else "UNDECLARED"
        print(f"{label}: {mark} {found.key}\n    {found.explanation}")
    return undeclared


def check(args: argparse.Namespace) -> int:
    root: Path = args.root.resolve()
    baseline_file: Path = args.baseline or root / BASELINE
    declared_file: Path = args.declared or root / DECLARED
    declared = declared_breaks(declared_file.read_text()) if declared_file.is_file() else {}
    package = load_package(root)
    baseline = read_baseline(baseline_file) if baseline_file.is_file() or not args.update else {}

    baseline_breaks = compare(baseline, package)
    undeclared = _report(baseline_breaks, declared, str(BASELINE))
    matched = {b.key for b in baseline_breaks}
    tag = None if args.no_tag else (args.tag or latest_tag(root))
    if tag:
        old = tag_surface(root, tag)
        tag_breaks = compare(old, package)
        undeclared += [b for b in _report(tag_breaks, declared, tag) if b not in undeclared]
        matched |= {b.key for b in tag_breaks}
    for key in sorted(set(declared) - matched):
        print(f"note: declared break no longer found (already released? then delete the line): {key}")

    current = public_paths(package, entries=entry_points(root))
    added = [p for p in current if p not in baseline]
    if added and baseline:
        print(f"{len(added)} public name(s) added since the baseline (make release records them): {', '.join(added)}")
    if undeclared:
        print(
            f"\n{len(undeclared)} undeclared break(s) of the public API. Restore the name or signature (deprecate "
            f"first: buttress.deprecation, CONTRIBUTING.md), or declare each in {DECLARED} as 'KIND PATH: reason'.",
            file=sys.stderr,
        )
        return 1
    if args.update:
        # Paths that are still there stay tracked, even if griffe no longer calls them public.
        keep = [p for p in baseline if _member(package, p) is not None and p not in current]
        objects = surface(package, [*current, *keep])
        write_baseline(baseline_file, objects, _version(package))
        print(f"wrote {baseline_file} ({len(objects)} public paths, buttress {_version(package)})")
    else:
        print(
            f"public API: {len(baseline)} baseline paths checked{f' and tag {tag}' if tag else ''}, no undeclared break"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return check(args)
    except ApiCheckError as exc:
        print(f"api_check: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
