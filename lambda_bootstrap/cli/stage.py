"""A stage as Zappa sees it, read from zappa_settings.json without Zappa or Django.

``extends`` is resolved exactly as Zappa's ``get_stage_setting`` does: a
shallow merge, the extending stage's keys winning, a cycle being an error. The
bootstrap's pointers are then read by :func:`lambda_bootstrap.settings.read_settings`
from the environment the Lambda will have (``aws_environment_variables``, then
``PROJECT``/``STAGE`` as Zappa's handler sets them, then
``environment_variables``), so the SSM path and secret ids here are derived by
the same code as at cold start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..settings import BootstrapSettings, read_settings
from .errors import StageError

__all__ = ["DEFAULT_SETTINGS_FILE", "Stage", "load_stage"]

DEFAULT_SETTINGS_FILE = "zappa_settings.json"


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

    def path(self, relative: str) -> Path:
        file = Path(relative)
        return file if file.is_absolute() else self.root / file


def load_stage(stage: str, settings_file: str | None = None) -> Stage:
    """The stage ``stage`` of ``settings_file`` (default: ./zappa_settings.json)."""
    file = Path(settings_file or DEFAULT_SETTINGS_FILE).resolve()
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StageError(f"{file} does not exist (run from the project folder, or pass --settings)") from None
    except ValueError as exc:
        raise StageError(f"{file} is not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
    if not isinstance(document, dict):
        raise StageError(f"{file} must hold a JSON object of stages")
    if stage not in document:
        known = ", ".join(sorted(document)) or "none"
        raise StageError(f"stage {stage!r} is not in {file} (stages: {known})")
    config = resolve_extends(document, stage)
    project_name = str(config.get("project_name") or _zappa_default_project_name(file.parent))
    region = str(config.get("aws_region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "")
    if not region:
        raise StageError(f"stage {stage!r} has no aws_region in {file}, and AWS_REGION is not set")
    bootstrap = read_settings(lambda_environment(config, project_name, stage))
    if not bootstrap.configured:
        raise StageError(
            f"stage {stage!r} declares no source: set BOOTSTRAP_SSM_PATH and/or BOOTSTRAP_SECRETS "
            f"in its environment_variables in {file}"
        )
    return Stage(stage, config, file, project_name, region, bootstrap)


def resolve_extends(document: dict[str, Any], stage: str) -> dict[str, Any]:
    """Zappa's ``get_stage_setting``: a shallow merge along the ``extends`` chain."""
    chain: list[str] = []
    current: str | None = stage
    while current:
        if current in chain:
            raise StageError(f"circular extends in zappa settings: {' -> '.join([*chain, current])}")
        if not isinstance(document.get(current), dict):
            raise StageError(f"stage {chain[-1]!r} extends {current!r}, which is not defined")
        chain.append(current)
        current = document[current].get("extends")
    merged: dict[str, Any] = {}
    for name in reversed(chain):
        merged.update(document[name])
    return merged


def lambda_environment(config: dict[str, Any], project_name: str, stage: str) -> dict[str, str]:
    """The variables the Lambda's handler process has when Django's settings are imported."""
    environ = {str(k): str(v) for k, v in (config.get("aws_environment_variables") or {}).items()}
    environ.update(PROJECT=project_name, STAGE=stage)
    environ.update({str(k): str(v) for k, v in (config.get("environment_variables") or {}).items()})
    return environ


def _zappa_default_project_name(folder: Path) -> str:
    import slugify

    return str(slugify.slugify(folder.name))[:15]
