"""Read and write one JSON secret so that two writers cannot silently undo each other.

``PutSecretValue`` has no conditional write: the last writer wins, and a
push that read ``{A, B}`` and writes ``{A, B, C}`` erases the ``D`` another
operator added in between. Secrets Manager does keep the trail a writer needs:
each write makes a new version and moves ``AWSCURRENT`` to it, the old one
becoming ``AWSPREVIOUS``. So a write here is:

1. the read remembers the ``VersionId`` it got with the value;
2. just before writing, ``DescribeSecret``: if ``AWSCURRENT`` is no longer that
   version, someone wrote since; stop, nothing written;
3. write with a fresh ``ClientRequestToken``, which becomes the new version's
   id (and makes a retried write idempotent);
4. ``DescribeSecret`` again: ``AWSPREVIOUS`` must be the version read in 1 and
   ``AWSCURRENT`` ours. If not, another write landed between 2 and 3 (or right
   after 3): say so, name the keys that may have been lost, exit non-zero.

Step 4 cannot prevent the race, only report it, loudly and by key name: the
window is one round trip wide. Values are compared in memory, never shown.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambda_bootstrap.errors import BootstrapError, SourceNotFoundError
from lambda_bootstrap.secretsmanager import get_secret_value

from .aws import Aws
from .errors import ConcurrentWriteError, ToolError, WriteStoppedError

__all__ = ["SECRET_SIZE_LIMIT", "SecretRead", "current_version", "read_secret", "write_secret"]

SECRET_SIZE_LIMIT = 65_536  # bytes of a SecretString (AWS's PutSecretValue API reference)
CURRENT, PREVIOUS = "AWSCURRENT", "AWSPREVIOUS"


@dataclass(frozen=True)
class SecretRead:
    """What a push read: the text and the version it came from; both None when the secret does not exist."""

    secret_id: str
    label: str
    text: str | None
    version_id: str | None

    def __repr__(self) -> str:  # the text is a secret
        return f"SecretRead(label={self.label!r}, version_id={self.version_id!r})"

    @property
    def exists(self) -> bool:
        return self.version_id is not None


def read_secret(aws: Aws, secret_id: str, label: str) -> SecretRead:
    """The current value and its VersionId; a missing secret is not an error here (push creates it)."""
    try:
        with aws.explained(label, "secretsmanager:GetSecretValue"):
            response = get_secret_value(aws.client("secretsmanager"), secret_id, aws.run())
    except SourceNotFoundError:
        return SecretRead(secret_id, label, None, None)
    text = response.get("SecretString")
    if text is None:
        raise ToolError(f"{label} is a binary secret: the tool writes JSON objects only")
    return SecretRead(secret_id, label, text, str(response["VersionId"]))


def write_secret(aws: Aws, read: SecretRead, document: str, keys: tuple[str, ...]) -> str:
    """Write ``document`` over the version ``read`` saw; the new VersionId. Raises on any concurrent write.

    ``keys`` are the keys this write changes, named when it stops midway.
    """
    client = aws.client("secretsmanager")
    token = str(uuid.uuid4())
    if not read.exists:
        try:
            aws.call(
                lambda: client.create_secret(Name=read.secret_id, SecretString=document, ClientRequestToken=token),
                resource=read.label,
                action="secretsmanager:CreateSecret",
            )
        except BootstrapError as exc:
            if _aws_code(exc) == "ResourceExistsException":
                raise ConcurrentWriteError(
                    f"{read.label} did not exist when this push read it, and exists now: another push created it. "
                    "Nothing written; run the push again (its plan will then include the other push's keys)",
                    overlap=(),
                ) from None
            raise WriteStoppedError(read.label, (), keys, exc) from exc
        except KeyboardInterrupt as exc:
            raise WriteStoppedError(read.label, (), keys, exc) from exc
        return token
    current = _current_version(aws, read)
    if current != read.version_id:
        raise ConcurrentWriteError(
            f"{read.label} changed since this push read it (read version {read.version_id}, current {current}): "
            "another push or a rotation wrote it. Nothing written; run the push again "
            "(its plan will then show the other write's keys)",
            overlap=(),
        )
    try:
        aws.call(
            lambda: client.put_secret_value(SecretId=read.secret_id, SecretString=document, ClientRequestToken=token),
            resource=read.label,
            action="secretsmanager:PutSecretValue",
        )
    except (BootstrapError, KeyboardInterrupt) as exc:
        raise WriteStoppedError(read.label, (), keys, exc) from exc
    _verify_after(aws, read, token, document)
    return token


def _verify_after(aws: Aws, read: SecretRead, ours: str, document: str) -> None:
    try:
        stages = _stages(aws, read.secret_id, read.label)
    except BootstrapError as exc:  # written, but unverified: not "nothing changed"
        raise ConcurrentWriteError(
            f"{read.label}: this push wrote version {ours}, but could not check that no other write raced it "
            f"({exc}). Run `diff` against every file pushed recently",
            overlap=(),
        ) from exc
    current = _holder(stages, CURRENT)
    previous = _holder(stages, PREVIOUS)
    if current == ours and previous == read.version_id:
        return
    if current != ours:
        raise ConcurrentWriteError(
            f"{read.label}: this push wrote version {ours}, but {current} replaced it right after: "
            "another write followed this one, and it may have dropped this push's keys: "
            f"{', '.join(sorted(_fields(document))) or 'none'}. "
            "Run `diff` against your file and push again if needed",
            overlap=tuple(sorted(_fields(document))),
        )
    other_text = _version_text(aws, read, previous) if previous else None
    other = _fields(other_text) if other_text is not None else None
    lost = _lost_keys(_fields(read.text or "{}"), other, _fields(document))
    raise ConcurrentWriteError(
        f"{read.label}: ANOTHER WRITE landed between this push's read and its write "
        f"(version {previous or 'unknown'} between the version read, {read.version_id}, and this push's {ours}). "
        "This push's version is current, so that write's changes to these keys may have been lost: "
        f"{', '.join(lost) or 'none found (check by hand)'}. Version {previous} still holds them: "
        "compare with `diff` and push them again",
        overlap=lost,
    )


def _lost_keys(read: Mapping[str, Any], other: Mapping[str, Any] | None, written: Mapping[str, Any]) -> tuple[str, ...]:
    """Keys the other write changed (added, changed or removed against what we read) that ours does not carry."""
    if other is None:  # its version cannot be read: every key is suspect
        return tuple(sorted(read.keys() | written.keys()))
    missing = object()
    lost = []
    for key in read.keys() | other.keys() | written.keys():
        theirs = other.get(key, missing)
        if theirs != read.get(key, missing) and theirs != written.get(key, missing):
            lost.append(key)
    return tuple(sorted(lost))


def current_version(aws: Aws, secret_id: str, label: str) -> str | None:
    """The VersionId AWSCURRENT is on now (DescribeSecret: no value is read); None when no version holds it."""
    return _holder(_stages(aws, secret_id, label), CURRENT)


def _current_version(aws: Aws, read: SecretRead) -> str | None:
    return current_version(aws, read.secret_id, read.label)


def _stages(aws: Aws, secret_id: str, label: str) -> dict[str, list[str]]:
    client = aws.client("secretsmanager")
    response = aws.call(
        lambda: client.describe_secret(SecretId=secret_id),
        resource=label,
        action="secretsmanager:DescribeSecret",
    )
    return {str(k): list(v) for k, v in (response.get("VersionIdsToStages") or {}).items()}


def _holder(stages: Mapping[str, list[str]], label: str) -> str | None:
    return next((version for version, labels in stages.items() if label in labels), None)


def _version_text(aws: Aws, read: SecretRead, version_id: str) -> str | None:
    client = aws.client("secretsmanager")
    try:
        response = aws.call(
            lambda: client.get_secret_value(SecretId=read.secret_id, VersionId=version_id),
            resource=read.label,
            action="secretsmanager:GetSecretValue",
        )
    except BootstrapError:
        return None
    text = response.get("SecretString")
    return text if isinstance(text, str) else None


def _fields(text: str | None) -> dict[str, Any]:
    try:
        fields = json.loads(text) if text is not None else None
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def _aws_code(exc: BaseException) -> str:
    """AWS's error code behind a mapped error (``.code`` where the error has it, else its ClientError cause)."""
    code = getattr(exc, "code", "")
    if code:
        return str(code)
    response = getattr(exc.__cause__, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
