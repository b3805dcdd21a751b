"""Does each value parse as the type its key is read as? One source of truth: the settings.

A key's type is not declared a second time here. The project's settings read
every typed key through a reader (``env_bool``, ``env_int``, ``env_list``,
``env_database``, ``require`` in ``project/settings/environment.py``), so the
check finds those calls in the settings package's source (without importing
Django's settings or needing a database) and calls the *same reader*, with the
same literal keyword arguments, in an environment that holds the stage's
values. What the settings would reject at cold start, the check rejects now.

Keys no reader types fall back on a naming convention: ``*_URL`` must be a
URL with a scheme and a host, ``*_JSON`` must be JSON.

Readers' messages name the key and never the value; any other exception is
reported by its type only, since its text might quote the value.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

__all__ = ["TypedRead", "ValueCheck", "check_values", "find_typed_reads"]

READERS = {
    "env_bool": "boolean",
    "env_int": "integer",
    "env_list": "list",
    "env_database": "database URL",
    "require": "non-empty text",
}
# Positional arguments after the key that a reader needs; their value does not
# matter when the key is set, which is the only case checked.
_PLACEHOLDER_ARGS: dict[str, tuple[Any, ...]] = {"env_bool": (False,), "env_int": (0,)}


@dataclass(frozen=True)
class TypedRead:
    key: str
    reader: str
    module: str  # where the reader is defined, e.g. project.settings.environment
    keywords: tuple[tuple[str, Any], ...] = ()
    where: str = ""


@dataclass
class ValueCheck:
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def find_typed_reads(package_dir: Path, package: str) -> list[TypedRead]:
    """Every ``reader("KEY", ...)`` call with a literal key in the package's modules."""
    reads: list[TypedRead] = []
    for file in sorted(package_dir.glob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        origins = _reader_origins(tree, package)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in origins):
                continue
            if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
                continue
            keywords = tuple((k.arg, _literal(k.value)) for k in node.keywords if k.arg and _is_literal(k.value))
            reads.append(
                TypedRead(
                    node.args[0].value, node.func.id, origins[node.func.id], keywords, f"{file.name}:{node.lineno}"
                )
            )
    return reads


def check_values(values: Mapping[str, str], reads: list[TypedRead], root: Path, base: Mapping[str, str]) -> ValueCheck:
    """Parse each present value with the reader(s) the settings use for its key."""
    result = ValueCheck()
    environment = {**base, **values}
    typed: set[str] = set()
    with _importable(root), mock.patch.dict(os.environ, environment, clear=True):
        for read in _distinct(reads):
            if read.key not in values:
                continue
            typed.add(read.key)
            reader = _reader(read, result)
            if reader is None:
                continue
            try:
                reader(read.key, *_PLACEHOLDER_ARGS.get(read.reader, ()), **dict(read.keywords))
            except Exception as exc:
                result.failures.append(f"{read.key} ({READERS[read.reader]}, {read.where}): {_safe(exc)}")
            else:
                result.checked.append(f"{read.key} ({READERS[read.reader]})")
    for key in sorted(values.keys() - typed):
        problem = _convention_problem(key, values[key])
        if problem is not None:
            result.failures.append(problem)
        elif key.endswith(("_URL", "_JSON")):
            result.checked.append(f"{key} ({'URL' if key.endswith('_URL') else 'JSON'}, by its name)")
    return result


def _reader_origins(tree: ast.Module, package: str) -> dict[str, str]:
    """Reader name -> module it is imported from (``from .environment import env_bool``)."""
    origins: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.level else (node.module or "")
            for alias in node.names:
                if alias.name in READERS and alias.asname is None:
                    origins[alias.name] = module
    return origins


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node)


def _distinct(reads: list[TypedRead]) -> list[TypedRead]:
    seen: dict[tuple[str, str, str, tuple[tuple[str, Any], ...]], TypedRead] = {}
    for read in reads:
        seen.setdefault((read.key, read.reader, read.module, tuple((k, repr(v)) for k, v in read.keywords)), read)
    return list(seen.values())


def _reader(read: TypedRead, result: ValueCheck) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(read.module), read.reader)
    except (ImportError, AttributeError) as exc:
        note = f"cannot import {read.reader} from {read.module} ({type(exc).__name__}): {read.key} not type-checked"
        if note not in result.notes:
            result.notes.append(note)
        return None


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
