"""The seed's secret hygiene, as rows of ``check``: age and rotation, keys unique to a stage, the KMS key.

- ``age``: when each of the stage's secrets last changed (DescribeSecret
  ``LastChangedDate``) and whether rotation is configured; a secret unchanged
  for longer than the threshold (90 days, the seed's figure; ``--max-age-days``)
  is a WARN, advice that does not fail the check;
- ``unique``: SECRET_KEY, and every key the stage's schema declares
  ``unique=True``, differs from the same key of every other stage of
  zappa_settings.json. The other stages are read through the cold start's
  fetch path; values are compared in memory with :func:`hmac.compare_digest`
  and never printed, logged or digested. A stage not in AWS yet is skipped, and
  said so; one that cannot be read fails the row (uniqueness unproven is not
  uniqueness);
- ``encryption``: which KMS key encrypts each secret; FAIL when the stage
  declares ``lambda_bootstrap.kms_key`` and a secret uses another
  (:mod:`.kms`; ``push`` moves a secret to the stage's key).
"""

from __future__ import annotations

import datetime
import hmac
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from lambda_bootstrap.errors import BootstrapError, SourceNotFoundError
from lambda_bootstrap.merge import Entry
from lambda_bootstrap.schema import Schema
from lambda_bootstrap.sources import sources_for
from lambda_bootstrap.values import is_blank

from .aws import Aws
from .check_rows import FAIL, PASS, SKIP, WARN, CheckResult
from .errors import ToolError
from .kms import AWS_MANAGED, key_in_use, same_key
from .secret_versions import describe_secret
from .stage import Stage, load_stage

__all__ = ["DEFAULT_MAX_AGE_DAYS", "age", "describe_secrets", "encryption", "unique"]

DEFAULT_MAX_AGE_DAYS = 90
ALWAYS_UNIQUE = ("SECRET_KEY",)  # Django's signing key: one stage's must never open another's sessions

Descriptions = dict[str, dict[str, Any] | None]  # secret label -> DescribeSecret's answer, None: not in AWS


def describe_secrets(stage: Stage, aws: Aws) -> Descriptions:
    """DescribeSecret for the bundle and each secret of the stage (no value is read)."""
    settings = stage.bootstrap
    ids = ([settings.bundle] if settings.bundle else []) + [source.secret_id for source in settings.secrets]
    found: Descriptions = {}
    for secret_id in ids:
        label = f"secretsmanager:{secret_id}"
        try:
            found[label] = describe_secret(aws, secret_id, label)
        except SourceNotFoundError:
            found[label] = None
    return found


def _in_aws(descriptions: Descriptions, details: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each secret that exists; one that does not is named in ``details`` (the sources row says why)."""
    for label, description in descriptions.items():
        if description is None:
            details.append(f"{label}: not in AWS (see sources)")
        else:
            yield label, description


def age(descriptions: Descriptions, max_days: int, now: datetime.datetime | None = None) -> CheckResult:
    if not descriptions:
        return CheckResult("age", SKIP, "the stage reads no Secrets Manager secret")
    moment = now or datetime.datetime.now(datetime.UTC)
    details: list[str] = []
    old: list[str] = []
    for label, description in _in_aws(descriptions, details):
        changed = description.get("LastChangedDate") or description.get("CreatedDate")
        days = (moment - changed).days if isinstance(changed, datetime.datetime) else None
        if days is None or days > max_days:
            old.append(label)
        when = f"last changed {days} day(s) ago" if days is not None else "no date of last change"
        details.append(f"{label}: {when}, {_rotation(description)}")
    if old:
        summary = (
            f"unchanged for more than {max_days} days: {', '.join(old)}; rotate (push new values) or configure rotation"
        )
        return CheckResult("age", WARN, summary, details)
    return CheckResult("age", PASS, f"every secret changed within {max_days} days", details)


def _rotation(description: Mapping[str, Any]) -> str:
    if not description.get("RotationEnabled"):
        return "no rotation configured"
    days = (description.get("RotationRules") or {}).get("AutomaticallyAfterDays")
    return f"rotated every {days} days" if days else "rotation configured"


def unique(stage: Stage, aws: Aws, entries: Sequence[Entry], schema: type[Schema] | None) -> CheckResult:
    declared = [name for name, key in (schema.keys() if schema else {}).items() if key.unique]
    keys = sorted({*ALWAYS_UNIQUE, *declared})
    mine = {entry.key: entry.value for entry in entries if entry.key in keys and not is_blank(entry.value)}
    if not mine:
        return CheckResult("unique", SKIP, f"the stage holds none of {', '.join(keys)}")
    own_sources = {source.label for source in sources_for(stage.bootstrap, stage.root)}
    same: list[str] = []
    problems: list[str] = []
    notes: list[str] = []
    compared: list[str] = []
    for name in stage.siblings():
        try:
            theirs, skipped = _values_of(name, stage, aws, own_sources, mine.keys())
        except BootstrapError as exc:
            problems.append(f"stage {name}: cannot be compared: {exc}")
            continue
        if skipped is not None:
            notes.append(f"stage {name}: {skipped}")
            continue
        compared.append(name)
        same += [
            f"{key} (the same as stage {name}'s)" for key in mine if key in theirs and _equal(mine[key], theirs[key])
        ]
    if same or problems:
        summary = f"not unique to stage {stage.name}: {', '.join(same)}" if same else "uniqueness not proven"
        return CheckResult("unique", FAIL, summary, problems + notes)
    if not compared:
        return CheckResult("unique", SKIP, "no other stage in AWS to compare with", notes)
    summary = f"{', '.join(sorted(mine))} differ(s) from stage(s) {', '.join(compared)} (compared in memory)"
    return CheckResult("unique", PASS, summary, notes)


def _values_of(
    name: str, stage: Stage, aws: Aws, own_sources: set[str], keys: Collection[str]
) -> tuple[dict[str, str], str | None]:
    """Another stage's values of ``keys``, or why it is skipped; raises when it cannot be read."""
    other = load_stage(name, str(stage.settings_file), need_source=False)
    if not other.bootstrap.configured:
        return {}, "declares no source: skipped"
    sources = [source for source in sources_for(other.bootstrap, other.root) if source.label not in own_sources]
    if not sources:
        return {}, f"reads the same sources as stage {stage.name}: skipped"
    values: dict[str, str] = {}
    missing = 0
    for source in sources:
        try:
            values.update({entry.key: entry.value for entry in aws.fetch([source]) if entry.key in keys})
        except SourceNotFoundError:
            missing += 1
    if missing == len(sources):
        return {}, "not in AWS yet: skipped"
    return values, None


def _equal(mine: str, theirs: str) -> bool:
    """In constant time, on the values themselves: no digest is made, so none can leak."""
    return hmac.compare_digest(mine.encode("utf-8", "surrogatepass"), theirs.encode("utf-8", "surrogatepass"))


def encryption(stage: Stage, aws: Aws, descriptions: Descriptions) -> CheckResult:
    if not descriptions:
        return CheckResult("encryption", SKIP, "the stage reads no Secrets Manager secret")
    declared = stage.options.get("kms_key")
    details: list[str] = []
    problems: list[str] = []
    for label, description in _in_aws(descriptions, details):
        used = key_in_use(description)
        details.append(f"{label}: {used}" + (" (AWS's managed key)" if used == AWS_MANAGED else ""))
        if declared is None:
            continue
        try:
            if not same_key(aws, declared, used):
                problems.append(f"{label} is encrypted with {used}, not the stage's kms_key {declared} (push moves it)")
        except ToolError as exc:
            problems.append(f"{label}: {exc}")
    if problems:
        return CheckResult("encryption", FAIL, f"not with the stage's kms_key {declared}", problems + details)
    if declared is None:
        return CheckResult(
            "encryption", PASS, "no kms_key declared (lambda_bootstrap.kms_key names a key you control)", details
        )
    return CheckResult("encryption", PASS, f"every secret uses the stage's kms_key {declared}", details)
