"""What a push must not write: the rules ``check``'s values apply, applied before anything is written.

A push is refused, naming each key and the rule it breaks, when what the
target would hold afterwards:

- has a value the stage's settings would reject at cold start (the same
  typed readers as ``check``'s ``values``, and the ``*_URL``/``*_JSON``
  conventions);
- empties or (``--prune``) deletes a ``BOOTSTRAP_REQUIRED`` key;
- is a secret of the wrong shape: an RDS-style secret (engine, host,
  username, password) must keep all four, its port must be an integer, and
  a field it does not know (``SECRET_KEY`` from a stage's .env pushed with
  ``--secret database``) is refused, as is any field whose key the settings
  never read while they do read the bare name (it belongs on the SSM path).

Nothing is written when one key fails; values never appear in a message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidKeyError, SecretFormatError
from ..keys import expand_secret
from ..settings import SecretSource
from ..values import is_blank
from .check import type_values
from .errors import ToolError
from .plan import Plan
from .stage import Stage
from .value_types import find_typed_reads, stage_settings_module

__all__ = ["RDS_FIELDS", "PushRefusedError", "validate_push"]

RDS_REQUIRED = frozenset({"engine", "host", "username", "password"})
# What RDS-managed secrets hold (AWS's "Secrets Manager secret structure" for database credentials).
RDS_FIELDS = frozenset(
    {*RDS_REQUIRED, "port", "dbname", "dbInstanceIdentifier", "dbClusterIdentifier", "masterarn", "engineVersion"}
)


class PushRefusedError(ToolError):
    """The file breaks the stage's rules: each key and rule is a note; nothing was written."""

    def __init__(self, target: str, file: str, problems: list[str], hint: str | None = None) -> None:
        super().__init__(f"push refused: {len(problems)} problem(s) in {file} for {target}; nothing written")
        for problem in problems:
            self.add_note(problem)
        if hint:
            self.add_note(hint)


def validate_push(
    stage: Stage,
    target: Any,
    current: Mapping[str, str],
    desired: Mapping[str, str],
    plan: Plan,
    prune: bool,
    file: str,
    elsewhere: Mapping[str, str] | None = None,
) -> None:
    """Raise PushRefusedError unless what the target holds after this push passes the stage's rules.

    ``elsewhere`` maps each key the stage's *other* sources produce to its source's label: a key
    this push would add that another source also produces would stop every cold start
    (two producers of one key), and a required key another source supplies may be pruned here.
    """
    elsewhere = elsewhere or {}
    after = {key: value for key, value in current.items() if not (prune and key in plan.removed)}
    after.update(desired)
    source = getattr(target, "source", None)
    if isinstance(source, SecretSource):
        problems, hint = _secret_problems(stage, source, current, desired, after)
        produced = _exported_keys(after, source)
    else:
        problems, hint = _key_problems(stage, desired, after, plan, prune, elsewhere), None
        produced = set(after)
    for key in sorted(produced & elsewhere.keys()):
        problems.append(f"{key}: {elsewhere[key]} produces it too, and two producers of one key stop the cold start")
    if problems:
        raise PushRefusedError(target.label, file, problems, hint)


def _key_problems(
    stage: Stage,
    desired: Mapping[str, str],
    after: Mapping[str, str],
    plan: Plan,
    prune: bool,
    elsewhere: Mapping[str, str],
) -> list[str]:
    problems = list(type_values(stage, desired).failures)
    for key in stage.bootstrap.required:
        if key in desired and is_blank(desired[key]):
            problems.append(f"{key}: required (BOOTSTRAP_REQUIRED) but empty in the file")
        elif prune and key in plan.removed and key not in elsewhere:
            problems.append(f"{key}: required (BOOTSTRAP_REQUIRED); --prune would delete it")
    return problems


def _secret_problems(
    stage: Stage,
    source: SecretSource,
    current: Mapping[str, str],
    desired: Mapping[str, str],
    after: Mapping[str, str],
) -> tuple[list[str], str | None]:
    problems: list[str] = []
    hint = None
    rds = "engine" in after or current.keys() >= RDS_REQUIRED
    read_keys = _keys_the_settings_read(stage)
    if rds:
        missing = sorted(RDS_REQUIRED - after.keys())
        if missing:
            problems.append(f"{', '.join(missing)}: an RDS-style secret needs engine, host, username and password")
        for field in sorted(desired.keys() - RDS_FIELDS):
            problems.append(f"{field}: not a field of an RDS-style secret ({', '.join(sorted(RDS_FIELDS))})")
        port = after.get("port", "")
        if port and not port.strip().isdigit():
            problems.append("port: an RDS-style secret's port must be an integer")
    for field in sorted(desired):
        loaded_as = f"{source.prefix}_{field}".upper() if source.prefix else field.upper()
        if not rds and field.upper() in read_keys and loaded_as not in read_keys:
            problems.append(
                f"{field}: would load as {loaded_as}, which the settings never read (they read {field.upper()})"
            )
    if any(not (rds and field in RDS_FIELDS) and field.upper() == field for field in desired) and problems:
        where = "bundle" if stage.bootstrap.bundle is not None else "SSM path"
        hint = f"did you mean the stage's {where}? (push {stage.name} --from FILE, without --secret)"
    try:
        exported = expand_secret(json.dumps(dict(after)), source.prefix, source.label)
    except (SecretFormatError, InvalidKeyError) as exc:
        problems.append(str(exc))
        return problems, hint
    problems.extend(type_values(stage, exported).failures)
    return list(dict.fromkeys(problems)), hint


def _keys_the_settings_read(stage: Stage) -> set[str]:
    module, _ = stage_settings_module(stage.root, stage.environment, str(stage.config.get("django_settings") or ""))
    reads, _ = find_typed_reads(module, stage.root) if module else ([], [])
    return {read.key for read in reads} | set(stage.bootstrap.required)


def _exported_keys(fields: Mapping[str, str], source: SecretSource) -> set[str]:
    """The environment keys a secret of ``fields`` loads as (none when its shape is refused anyway)."""
    try:
        return set(expand_secret(json.dumps(dict(fields)), source.prefix, source.label))
    except (SecretFormatError, InvalidKeyError):
        return set()
