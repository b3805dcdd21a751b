"""Would the stage still load, and would its values still parse? Asked of every write before it is made.

A write (``push``, ``migrate``, ``unset``, ``rollback``) is refused, naming each
key and the rule it breaks, when what the stage would hold afterwards:

- would not load: the target's new content through the loader's own parser,
  with the stage's other sources, through :func:`lambda_bootstrap.rules.stage_values`
  (key syntax, reserved keys, values no process can hold, two producers of
  one key): exactly the next cold start's rules;
- deletes or blanks a ``BOOTSTRAP_REQUIRED`` key the stage holds now. A required
  key that is still missing after the write, as it was before, does not stop it
  (a stage is filled in several writes: the bundle, then the database secret);
  the tool says which keys the stage still lacks;
- breaks the stage's declared schema (:mod:`lambda_bootstrap.schema`), by the
  stage's own rules; a stage that declares none is told so once;
- is a secret of the wrong shape: an RDS-style secret (engine, host, username,
  password) must keep all four and a numeric port; a field it does not know
  (``SECRET_KEY`` pushed with ``--secret database``) is refused, as is a field
  that would load under a key the schema does not declare while it declares
  the bare name (it belongs in the bundle).

:func:`stage_problems` is the same judgement of a stage as it stands, for
``check`` and ``roll``. Values never appear in a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lambda_bootstrap.errors import ConfigurationError
from lambda_bootstrap.merge import Entry
from lambda_bootstrap.rules import StageValues, missing_required, stage_values
from lambda_bootstrap.schema import Schema, SchemaCheck
from lambda_bootstrap.settings import SecretSource
from lambda_bootstrap.values import is_blank

from .console import Console
from .errors import ToolError
from .schema_source import stage_schema
from .stage import Stage

__all__ = ["RDS_FIELDS", "StageJudgement", "judge", "refuse_write"]

RDS_REQUIRED = frozenset({"engine", "host", "username", "password"})
# What RDS-managed secrets hold (AWS's "Secrets Manager secret structure" for database credentials).
RDS_FIELDS = frozenset(
    {*RDS_REQUIRED, "port", "dbname", "dbInstanceIdentifier", "dbClusterIdentifier", "masterarn", "engineVersion"}
)
UNTYPED = "values are not typed: the stage declares no schema (lambda_bootstrap.schema in zappa_settings.json)"


@dataclass
class StageJudgement:
    """A stage's entries judged: would it load (``load_error``, ``missing``), and the schema's verdict."""

    values: StageValues | None
    load_error: str | None  # anything but a missing required key: never acceptable
    missing: list[str]  # BOOTSTRAP_REQUIRED keys absent or blank
    schema: type[Schema] | None
    typed: SchemaCheck = field(default_factory=SchemaCheck)

    @property
    def missing_message(self) -> str | None:
        if not self.missing:
            return None
        return f"required configuration missing or blank: {', '.join(self.missing)} (BOOTSTRAP_REQUIRED)"

    @property
    def problems(self) -> list[str]:
        """Everything that would stop a cold start, or break the schema."""
        return [p for p in (self.load_error, self.missing_message) if p] + self.typed.problems


def judge(stage: Stage, entries: Sequence[Entry]) -> StageJudgement:
    """``entries`` (every source of the stage) by the cold start's rules and by the stage's schema."""
    schema = stage_schema(stage)
    settings = stage.bootstrap
    try:
        values: StageValues | None = stage_values(entries, stage.environment, settings, log=False, require=False)
        error = None
    except ConfigurationError as exc:
        values, error = None, str(exc)
    final = values.final if values is not None else {**stage.environment, **_last_wins(entries)}
    missing = missing_required(settings.required, final)
    typed = SchemaCheck()
    if schema is not None:
        typed = schema.check(_last_wins(entries), stage.name, stage.environment)
        # Only keys an operator names can be typos: a secret's fields expand to keys of their own (DATABASE_HOST).
        named = {entry.key for entry in entries if entry.source in {settings.bundle_label, settings.ssm_label}}
        typed.undeclared = [key for key in typed.undeclared if key in named]
    return StageJudgement(values, error, missing, schema, typed)


def refuse_write(
    stage: Stage,
    target: Any,
    before: Mapping[str, str],
    after: Mapping[str, Any],
    others: Sequence[Entry],
    desired: Mapping[str, str],
    origin: str,
    console: Console,
) -> None:
    """Raise ToolError (each problem a note) unless the stage loads, and parses, with ``after`` in ``target``.

    ``before`` is what the whole stage holds now (every source, and the function's environment):
    a required key it holds must not be lost.
    """
    problems: list[str] = []
    hint = None
    try:
        entries = target.entries(after)
    except ConfigurationError as exc:
        problems.append(str(exc))
        entries = []
    if not problems:
        verdict = judge(stage, [*entries, *others])
        problems.extend(p for p in (verdict.load_error, *verdict.typed.failures) if p)
        missing = sorted({*verdict.missing, *verdict.typed.missing_keys})
        lost = [key for key in missing if not is_blank(before.get(key, ""))]
        if lost:
            problems.append(f"required and set now, but this write would delete or blank: {', '.join(lost)}")
        elif missing:
            console.note(f"note: the stage does not load until these are set too: {', '.join(missing)}")
        if verdict.schema is None:
            console.note(f"note: {UNTYPED}")
        elif verdict.typed.undeclared:
            pointer = stage.options.get("schema")
            console.note(f"note: not declared in the schema {pointer}: {', '.join(verdict.typed.undeclared)}")
    source = getattr(target, "source", None)
    if isinstance(source, SecretSource):
        shape, hint = _secret_problems(stage, source, after, desired)
        problems.extend(shape)
    if problems:
        error = ToolError(f"refused: {len(problems)} problem(s) in {origin} for {target.label}; nothing written")
        for problem in dict.fromkeys(problems):
            error.add_note(problem)
        if hint:
            error.add_note(hint)
        raise error


def _last_wins(entries: Sequence[Entry]) -> dict[str, str]:
    """Every key's value (for typing only: a conflict is the loader's error, reported on its own)."""
    return {entry.key: entry.value for entry in entries}


def _secret_problems(
    stage: Stage, source: SecretSource, after: Mapping[str, Any], desired: Mapping[str, str]
) -> tuple[list[str], str | None]:
    problems: list[str] = []
    rds = "engine" in after or after.keys() >= RDS_REQUIRED
    if rds:
        missing = sorted(RDS_REQUIRED - after.keys())
        if missing:
            problems.append(f"{', '.join(missing)}: an RDS-style secret needs engine, host, username and password")
        for name in sorted(desired.keys() - RDS_FIELDS):
            problems.append(f"{name}: not a field of an RDS-style secret ({', '.join(sorted(RDS_FIELDS))})")
        port = str(after.get("port", ""))
        if port and not port.strip().isdigit():
            problems.append("port: an RDS-style secret's port must be an integer")
    schema = stage_schema(stage)
    declared = set(schema.keys()) if schema is not None else set()
    for name in sorted(desired):
        loaded_as = f"{source.prefix}_{name}".upper() if source.prefix else name.upper()
        if not rds and name.upper() in declared and loaded_as not in declared:
            problems.append(
                f"{name}: would load as {loaded_as}, which the schema does not declare (it declares {name.upper()})"
            )
    hint = None
    if problems and any(not (rds and name in RDS_FIELDS) and name.upper() == name for name in desired):
        where = "bundle" if stage.bootstrap.bundle is not None else "SSM path"
        hint = f"did you mean the stage's {where}? (push {stage.name} --from FILE, without --secret)"
    return problems, hint
