"""Does each value parse as the type its key is read as? One source of truth: the settings.

A key's type is not declared a second time here. The stage's settings read
every typed key through a *typed reader*: any function carrying an
``env_type`` attribute (a short description such as "integer") and accepting
``environ=`` (the mapping to read instead of ``os.environ``). The check finds
the calls ``reader("KEY", ...)`` in the stage's settings module and the
modules of the project it imports from (statically, without importing
Django's settings or needing a database), and calls the *same reader*, with
the same literal arguments and the stage's values as ``environ``. What the
settings would reject at cold start, the check rejects now. Nothing here
knows a reader's name: which functions are readers is their own mark.

Which module a stage runs is the project's business: ``[tool.lambda_bootstrap]
stage-settings = "pkg.module:function"`` in the project's pyproject.toml names
a function called with the stage's environment that returns the module name;
without it, the stage's ``django_settings`` is scanned.

Keys no reader types fall back on a naming convention: ``*_URL`` must be a
URL with a scheme and a host, ``*_JSON`` must be JSON.

Readers' messages name the key and never the value; any other exception is
reported by its type only, since its text might quote the value.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["TypedRead", "ValueCheck", "check_values", "find_typed_reads", "stage_settings_module"]

READER_MARK = "env_type"  # the attribute that makes a function a typed reader
CONFIG_SECTION = "lambda_bootstrap"
_NOT_LITERAL = None  # an argument the source computes: its value does not matter when the key is set


@dataclass(frozen=True)
class TypedRead:
    key: str
    reader: str
    module: str  # where the reader is defined, e.g. project.settings.environment
    env_type: str
    args: tuple[Any, ...] = ()
    keywords: tuple[tuple[str, Any], ...] = ()
    where: str = ""


@dataclass
class ValueCheck:
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def stage_settings_module(root: Path, environ: Mapping[str, str], django_settings: str) -> tuple[str, list[str]]:
    """The settings module the stage runs, and notes on how it was found."""
    pyproject = root / "pyproject.toml"
    target = ""
    if pyproject.is_file():
        try:
            config = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get(CONFIG_SECTION, {})
        except tomllib.TOMLDecodeError:
            return django_settings, ["pyproject.toml does not parse: typing with django_settings' own reads"]
        target = str(config.get("stage-settings", ""))
    if not target:
        note = (
            f"no [tool.{CONFIG_SECTION}] stage-settings in pyproject.toml: typing with {django_settings}'s own "
            "reads (a settings module it imports at run time is not followed)"
        )
        return django_settings, [note] if django_settings else []
    module_name, _, function_name = target.partition(":")
    try:
        with _importable(root):
            resolver = getattr(importlib.import_module(module_name), function_name)
            return str(resolver(dict(environ))), []
    except Exception as exc:
        note = f"stage-settings {target} failed ({type(exc).__name__}: {_safe(exc)}): typing with {django_settings}"
        return django_settings, [note]


def find_typed_reads(module: str, root: Path) -> tuple[list[TypedRead], list[str]]:
    """Every ``reader("KEY", ...)`` in ``module`` and the project modules it imports from; and notes."""
    reads: list[TypedRead] = []
    notes: list[str] = []
    pending, seen = [module], set()
    with _importable(root):
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            file = _module_file(root, name)
            if file is None:
                notes.append(f"settings module {name} not found under {root}: its keys are typed by name only")
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
            imported = _imports(tree, name, file.name == "__init__.py")
            pending.extend(origin for origin in {o for o, _ in imported.values()} if _module_file(root, origin))
            pending.extend(origin for origin in _star_imports(tree, name, file.name == "__init__.py"))
            reads.extend(_reads_in(tree, imported, file.name, notes))
    return reads, notes


def check_values(values: Mapping[str, str], reads: list[TypedRead], root: Path, base: Mapping[str, str]) -> ValueCheck:
    """Parse each present value with the reader(s) the settings use for its key."""
    result = ValueCheck()
    environment = {**base, **values}
    typed: set[str] = set()
    with _importable(root):
        for read in _distinct(reads):
            if read.key not in values:
                continue
            typed.add(read.key)
            reader = _reader(read, result)
            if reader is None:
                continue
            try:
                reader(read.key, *read.args, environ=environment, **dict(read.keywords))
            except Exception as exc:
                result.failures.append(f"{read.key} ({read.env_type}, {read.where}): {_safe(exc)}")
            else:
                result.checked.append(f"{read.key} ({read.env_type})")
    for key in sorted(values.keys() - typed):
        problem = _convention_problem(key, values[key])
        if problem is not None:
            result.failures.append(problem)
        elif key.endswith(("_URL", "_JSON")):
            result.checked.append(f"{key} ({'URL' if key.endswith('_URL') else 'JSON'}, by its name)")
    result.checked = list(dict.fromkeys(result.checked))
    return result


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, tuple[str, str]]:
    """Local name -> (module, attribute) of every ``from X import name [as alias]``."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _absolute(node, module, is_package)
            for alias in node.names:
                if alias.name != "*":
                    found[alias.asname or alias.name] = (origin, alias.name)
    return found


def _star_imports(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    return [
        _absolute(node, module, is_package)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
    ]


def _reads_in(
    tree: ast.Module, imported: dict[str, tuple[str, str]], file: str, notes: list[str]
) -> Iterator[TypedRead]:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported):
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            continue
        origin, attribute = imported[node.func.id]
        env_type = _mark(origin, attribute, notes)
        if env_type is None:
            continue
        yield TypedRead(
            key=node.args[0].value,
            reader=attribute,
            module=origin,
            env_type=env_type,
            args=tuple(_literal(arg) for arg in node.args[1:]),
            keywords=tuple((k.arg, _literal(k.value)) for k in node.keywords if k.arg and _is_literal(k.value)),
            where=f"{file}:{node.lineno}",
        )


def _mark(module: str, attribute: str, notes: list[str]) -> str | None:
    """The reader's ``env_type``, or None when the callee is not a typed reader."""
    try:
        function = getattr(importlib.import_module(module), attribute)
    except Exception as exc:  # a module that cannot be imported here cannot be a reader we can call
        note = f"cannot import {attribute} from {module} ({type(exc).__name__}): its keys are typed by name only"
        if note not in notes:
            notes.append(note)
        return None
    mark = getattr(function, READER_MARK, None)
    return str(mark) if mark else None


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node) if _is_literal(node) else _NOT_LITERAL


def _distinct(reads: list[TypedRead]) -> list[TypedRead]:
    seen: dict[str, TypedRead] = {}
    for read in reads:
        seen.setdefault(repr((read.key, read.reader, read.module, read.args, read.keywords)), read)
    return list(seen.values())


def _reader(read: TypedRead, result: ValueCheck) -> Callable[..., Any] | None:
    try:
        function: Callable[..., Any] = getattr(importlib.import_module(read.module), read.reader)
    except (ImportError, AttributeError) as exc:
        note = f"cannot import {read.reader} from {read.module} ({type(exc).__name__}): {read.key} not type-checked"
        if note not in result.notes:
            result.notes.append(note)
        return None
    return function


def _safe(exc: BaseException) -> str:
    if type(exc).__name__ == "ImproperlyConfigured":
        return str(exc)  # the readers' messages name the key only
    return f"does not parse ({type(exc).__name__})"


def _convention_problem(key: str, value: str) -> str | None:
    if key.endswith("_URL"):
        try:
            url = urlsplit(value)
            ok = bool(url.scheme and url.hostname) and (url.port is None or url.port >= 0)
        except ValueError:
            ok = False
        return None if ok else f"{key} (URL, by its name): needs a scheme and a host (scheme://host/...)"
    if key.endswith("_JSON"):
        try:
            json.loads(value)
        except RecursionError:
            return f"{key} (JSON, by its name): nested too deeply to read"
        except ValueError as exc:
            line, column = getattr(exc, "lineno", "?"), getattr(exc, "colno", "?")
            return f"{key} (JSON, by its name): does not parse (line {line}, column {column})"
    return None


@contextmanager
def _importable(root: Path) -> Iterator[None]:
    """The project folder on sys.path while its readers are imported (``--settings`` elsewhere)."""
    entry = str(root)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added and entry in sys.path:
            sys.path.remove(entry)
