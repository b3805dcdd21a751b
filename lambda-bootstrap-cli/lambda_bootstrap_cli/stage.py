"""A stage as Zappa sees it, read from zappa_settings.json without Zappa or Django.

``extends`` is resolved exactly as Zappa's ``get_stage_setting`` does: a
shallow merge, the extending stage's keys winning, a cycle being an error. The
bootstrap's pointers are then read by :func:`lambda_bootstrap.settings.read_settings`
from the environment the Lambda will have (``aws_environment_variables``, then
``PROJECT``/``STAGE`` as Zappa's handler sets them, then
``environment_variables``), so the SSM path and secret ids here are derived by
the same code as at cold start.

The tool's own per-stage options live in the stage's ``lambda_bootstrap``
object (Zappa ignores it): ``schema`` (``"package.module:Keys"``, the declared
keys, :mod:`.schema_source`), ``kms_key`` (a customer-managed key that
encrypts the stage's secrets) and ``aws_services`` (the AWS services the app
calls by a computed name, kept in the package by deploy/runtime_package.py;
this tool only checks its shape). Every shape the file can take that Zappa would
not accept is a one-line :class:`ToolError`, never a traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_bootstrap.settings import BootstrapSettings, read_settings

from .errors import ToolError

__all__ = ["DEFAULT_SETTINGS_FILE", "TOOL_OPTIONS", "Stage", "lambda_environment", "load_stage", "resolve_extends"]

DEFAULT_SETTINGS_FILE = "zappa_settings.json"
TOOL_OPTIONS = "lambda_bootstrap"  # the stage's object of options for this tool
_TOOL_KEYS = frozenset({"schema", "kms_key", "aws_services"})
_TEXT_MAPS = ("environment_variables", "aws_environment_variables")


@dataclass(frozen=True)
class Stage:
    name: str
    config: dict[str, Any]
    settings_file: Path
    project_name: str
    region: str
    bootstrap: BootstrapSettings

    @property
    def root(self) -> Path:
        """The project folder: where Zappa runs, and what relative paths in the settings mean."""
        return self.settings_file.parent

    @property
    def function_name(self) -> str:
        """The Lambda's name, as Zappa makes it (slugified ``<project_name>-<stage>``)."""
        import slugify

        return str(slugify.slugify(f"{self.project_name}-{self.name}"))

    @property
    def role_name(self) -> str:
        """The execution role: ``role_arn``'s name, ``role_name``, or Zappa's default."""
        role_arn = self.config.get("role_arn")
        if role_arn:
            return str(role_arn).rsplit("/", 1)[-1]
        return str(self.config.get("role_name") or f"{self.function_name}-ZappaLambdaExecutionRole")

    @property
    def environment(self) -> dict[str, str]:
        return lambda_environment(self.config, self.project_name, self.name)

    @property
    def options(self) -> dict[str, Any]:
        """This tool's options for the stage (``schema``, ``kms_key``, ``aws_services``)."""
        return dict(self.config.get(TOOL_OPTIONS) or {})

    def siblings(self) -> list[str]:
        """The other stages of the same settings file (read when this stage was: it parses)."""
        document = json.loads(self.settings_file.read_text(encoding="utf-8"))
        return [str(name) for name in document if name != self.name]

    def path(self, relative: str) -> Path:
        file = Path(relative)
        return file if file.is_absolute() else self.root / file


def load_stage(stage: str, settings_file: str | None = None, *, need_source: bool = True) -> Stage:
    """The stage ``stage`` of ``settings_file`` (default: ./zappa_settings.json).

    ``need_source``: refuse a stage that declares no source (every command but ``init``).
    """
    file = Path(settings_file or DEFAULT_SETTINGS_FILE).resolve()
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ToolError(f"{file} does not exist (run from the project folder, or pass --settings)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolError(f"{file} cannot be read ({type(exc).__name__})") from None
    except ValueError as exc:
        raise ToolError(f"{file} is not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
    except RecursionError:
        raise ToolError(f"{file} is nested too deeply to read") from None
    if not isinstance(document, dict):
        raise ToolError(f"{file} must hold a JSON object of stages")
    if stage not in document:
        known = ", ".join(sorted(map(str, document))) or "none"
        raise ToolError(f"stage {stage!r} is not in {file} (stages: {known})")
    config = resolve_extends(document, stage, file)
    _check_shapes(config, stage, file)
    project_name = str(config.get("project_name") or _zappa_default_project_name(file.parent))
    region = str(config.get("aws_region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "")
    if not region:
        raise ToolError(f"stage {stage!r} has no aws_region in {file}, and AWS_REGION is not set")
    bootstrap = read_settings(lambda_environment(config, project_name, stage))
    if need_source and not bootstrap.configured:
        raise ToolError(
            f"stage {stage!r} declares no source: set BOOTSTRAP_BUNDLE (or BOOTSTRAP_SECRETS, BOOTSTRAP_SSM_PATH) "
            f"in its environment_variables in {file} (`lambda-bootstrap init {stage}` adds them)"
        )
    return Stage(stage, config, file, project_name, region, bootstrap)


def resolve_extends(
    document: Mapping[str, Any], stage: str, file: Path | str = DEFAULT_SETTINGS_FILE
) -> dict[str, Any]:
    """Zappa's ``get_stage_setting``: a shallow merge along the ``extends`` chain."""
    chain: list[str] = []
    current: object = stage
    while current is not None:
        if not isinstance(current, str):
            raise ToolError(f"stage {chain[-1]!r} in {file}: extends must name a stage (a string)")
        if current in chain:
            raise ToolError(f"circular extends in {file}: {' -> '.join([*chain, current])}")
        own = document.get(current)
        if not isinstance(own, dict):
            if not chain:
                raise ToolError(f"stage {current!r} in {file} must be a JSON object of settings")
            raise ToolError(f"stage {chain[-1]!r} extends {current!r} in {file}, which is not a stage (an object)")
        chain.append(current)
        current = own.get("extends")
    merged: dict[str, Any] = {}
    for name in reversed(chain):
        merged.update(document[name])
    return merged


def lambda_environment(config: Mapping[str, Any], project_name: str, stage: str) -> dict[str, str]:
    """The variables the Lambda's handler process has when Django's settings are imported."""
    environ = {str(k): str(v) for k, v in (config.get("aws_environment_variables") or {}).items()}
    environ.update(PROJECT=project_name, STAGE=stage)
    environ.update({str(k): str(v) for k, v in (config.get("environment_variables") or {}).items()})
    return environ


def _check_shapes(config: Mapping[str, Any], stage: str, file: Path) -> None:
    """Each setting the tool reads has the shape Zappa gives it, or the stage is refused in one line."""
    for name in _TEXT_MAPS:
        value = config.get(name)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise ToolError(f"stage {stage!r} in {file}: {name} must be a JSON object of NAME: value")
        bad = sorted(str(k) for k, v in value.items() if not isinstance(v, str))
        if bad:  # Zappa refuses them too (check_environment)
            raise ToolError(f"stage {stage!r} in {file}: {name} values must be strings: {', '.join(bad)}")
    for name in ("project_name", "aws_region", "attach_policy", "role_name", "role_arn", "runtime"):
        value = config.get(name)
        if value is not None and not isinstance(value, str):
            raise ToolError(f"stage {stage!r} in {file}: {name} must be a string")
    for name in ("extra_permissions", "events", "exclude"):
        value = config.get(name)
        if value is not None and not isinstance(value, list):
            raise ToolError(f"stage {stage!r} in {file}: {name} must be a JSON list")
    vpc = config.get("vpc_config")
    if vpc is not None and not isinstance(vpc, dict):
        raise ToolError(f"stage {stage!r} in {file}: vpc_config must be a JSON object")
    options = config.get(TOOL_OPTIONS)
    if options is None:
        return
    if not isinstance(options, dict):
        raise ToolError(f"stage {stage!r} in {file}: {TOOL_OPTIONS} must be a JSON object")
    unknown = sorted(set(map(str, options)) - _TOOL_KEYS)
    if unknown:
        raise ToolError(f"stage {stage!r} in {file}: {TOOL_OPTIONS} knows {sorted(_TOOL_KEYS)}, not {unknown}")
    bad_types = sorted(
        k for k, v in options.items() if k != "aws_services" and (not isinstance(v, str) or not v.strip())
    )
    if bad_types:
        raise ToolError(f"stage {stage!r} in {file}: {TOOL_OPTIONS} values must be non-empty strings: {bad_types}")
    services = options.get("aws_services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) and s.strip() for s in services):
        raise ToolError(f"stage {stage!r} in {file}: {TOOL_OPTIONS}.aws_services must be a list of service names")


def _zappa_default_project_name(folder: Path) -> str:
    import slugify

    return str(slugify.slugify(folder.name))[:15]
