"""The stage's declared keys: the schema its ``lambda_bootstrap.schema`` pointer names.

The pointer (``"package.module:Keys"``) is resolved against the folder of the
stage's zappa_settings.json, the folder Zappa packages, and loaded from that
file alone: not from ``sys.path``, not from the working directory, and without
running the package's ``__init__`` modules. So ``--settings`` anywhere types
values exactly as from the project folder, or refuses, saying which file it
looked for. A schema module imports only :mod:`lambda_bootstrap.schema` (and the
standard library); anything it cannot import stops the command, by name.

A stage that declares no schema is not an error: its values are not typed,
``check`` says SKIP and ``push`` says so once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from lambda_bootstrap.schema import Schema

from .errors import ToolError
from .stage import TOOL_OPTIONS, Stage

__all__ = ["stage_schema"]


def stage_schema(stage: Stage) -> type[Schema] | None:
    """The stage's schema class, None when it declares none; ToolError when the declaration cannot be honoured."""
    pointer = stage.options.get("schema")
    if pointer is None:
        return None
    where = f'{TOOL_OPTIONS}.schema "{pointer}" of stage {stage.name!r} in {stage.settings_file}'
    module_name, _, attribute = pointer.partition(":")
    parts = module_name.split(".")
    if not attribute or not all(part.isidentifier() for part in [*parts, attribute]):
        raise ToolError(f"{where}: expected package.module:Name")
    file = _module_file(stage.root, parts)
    if file is None:
        raise ToolError(
            f"{where}: no {'/'.join(parts)}.py under {stage.root} (the folder of the settings file, where Zappa "
            "packages from): run from the project folder, or pass the project's own zappa_settings.json"
        )
    schema = getattr(_load(file, where), attribute, None)
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        raise ToolError(f"{where}: {attribute} in {file} is not a lambda_bootstrap.schema.Schema subclass")
    return schema


def _module_file(root: Path, parts: list[str]) -> Path | None:
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _load(file: Path, where: str) -> object:
    """The module at ``file``, under a private name (another project's module of the same name is never used)."""
    name = "_lambda_bootstrap_schema_" + hashlib.sha256(str(file).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has a loader
        raise ToolError(f"{where}: cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing look their module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the schema's own code failed: say where, never echo what it read
        sys.modules.pop(name, None)
        raise ToolError(f"{where}: importing {file} failed ({type(exc).__name__}: {_safe(exc)})") from None
    return module


def _safe(exc: BaseException) -> str:
    """An import error's message names a module; any other error's text is not repeated (it may quote a value)."""
    if isinstance(exc, ImportError):
        return str(exc)
    return "see the module"
