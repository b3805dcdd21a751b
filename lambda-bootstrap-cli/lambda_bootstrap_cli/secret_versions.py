"""A secret's versions as the tool reads them: the current one, any one by id, and the labels on each.

Secrets Manager keeps every write as a version; the staging label AWSCURRENT
marks the one readers load, AWSPREVIOUS the one it replaced. Every read here
asks for the version it wants by label or by id, never for a "default"
version (moto keeps one apart from the labels). Values are read into memory
only: callers compare them and show key names.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambda_bootstrap.errors import SourceError, SourceNotFoundError
from lambda_bootstrap.secretsmanager import CURRENT, GET_SECRET_VALUE, get_secret_value

from .aws import Aws
from .errors import ToolError

__all__ = [
    "CURRENT",
    "PREVIOUS",
    "SECRET_SIZE_LIMIT",
    "SecretRead",
    "VersionEntry",
    "aws_code",
    "current_version",
    "describe_secret",
    "holder",
    "list_versions",
    "read_secret",
    "read_version",
    "version_stages",
]

SECRET_SIZE_LIMIT = 65_536  # bytes of a SecretString (AWS's PutSecretValue API reference)
PREVIOUS = "AWSPREVIOUS"


@dataclass(frozen=True)
class SecretRead:
    """One version of a secret: its text and id (both None when the secret does not exist), its date and labels."""

    secret_id: str
    label: str
    text: str | None
    version_id: str | None
    created: datetime.datetime | None = None
    stages: tuple[str, ...] = ()

    def __repr__(self) -> str:  # the text is a secret
        return f"SecretRead(label={self.label!r}, version_id={self.version_id!r})"

    @property
    def exists(self) -> bool:
        return self.version_id is not None


def read_secret(aws: Aws, secret_id: str, label: str) -> SecretRead:
    """The AWSCURRENT version and its VersionId; a missing secret is not an error here (push creates it)."""
    try:
        with aws.explained(label, GET_SECRET_VALUE):
            response = get_secret_value(aws.client("secretsmanager"), secret_id, aws.run())
    except SourceNotFoundError:
        return SecretRead(secret_id, label, None, None)
    return _version(secret_id, label, response)


def read_version(aws: Aws, secret_id: str, label: str, version_id: str) -> SecretRead:
    """The version ``version_id`` of the secret (any version Secrets Manager still keeps)."""
    client = aws.client("secretsmanager")
    response = aws.call(
        lambda: client.get_secret_value(SecretId=secret_id, VersionId=version_id),
        resource=f"{label} version {version_id}",
        action=GET_SECRET_VALUE,
    )
    if response.get("VersionId") != version_id:
        raise SourceError(
            f"{GET_SECRET_VALUE} for {label} version {version_id} answered for another version",
            resource=label,
            action=GET_SECRET_VALUE,
        )
    return _version(secret_id, label, dict(response))


def _version(secret_id: str, label: str, response: Mapping[str, Any]) -> SecretRead:
    text = response.get("SecretString")
    if not isinstance(text, str):
        raise ToolError(f"{label} is a binary secret: the tool reads and writes JSON objects only")
    created = response.get("CreatedDate")
    return SecretRead(
        secret_id,
        label,
        text,
        str(response["VersionId"]),
        created if isinstance(created, datetime.datetime) else None,
        tuple(response.get("VersionStages") or ()),
    )


def describe_secret(aws: Aws, secret_id: str, label: str) -> dict[str, Any]:
    """DescribeSecret's answer: labels by version, KMS key, dates, rotation (no value is read)."""
    client = aws.client("secretsmanager")
    return dict(
        aws.call(
            lambda: client.describe_secret(SecretId=secret_id),
            resource=label,
            action="secretsmanager:DescribeSecret",
        )
    )


def version_stages(description: Mapping[str, Any]) -> dict[str, list[str]]:
    """The labels on each version that has any, from a DescribeSecret answer."""
    return {str(k): list(v) for k, v in (description.get("VersionIdsToStages") or {}).items()}


def holder(stages: Mapping[str, list[str]], stage_label: str) -> str | None:
    """The version a staging label is on, if any."""
    return next((version for version, labels in stages.items() if stage_label in labels), None)


def current_version(aws: Aws, secret_id: str, label: str) -> str | None:
    """The VersionId AWSCURRENT is on now (DescribeSecret: no value is read); None when no version holds it."""
    return holder(version_stages(describe_secret(aws, secret_id, label)), CURRENT)


@dataclass(frozen=True)
class VersionEntry:
    """A version as ListSecretVersionIds lists it: no value."""

    version_id: str
    created: datetime.datetime | None
    stages: tuple[str, ...]


def list_versions(aws: Aws, secret_id: str, label: str) -> list[VersionEntry]:
    """Every version Secrets Manager keeps, labelled or not (ListSecretVersionIds, page after page), as listed."""
    client = aws.client("secretsmanager")
    versions: list[VersionEntry] = []
    token: str | None = None
    while True:
        page = aws.call(
            lambda token=token: client.list_secret_version_ids(  # type: ignore[misc]
                SecretId=secret_id, IncludeDeprecated=True, **({"NextToken": token} if token else {})
            ),
            resource=label,
            action="secretsmanager:ListSecretVersionIds",
        )
        for version in page.get("Versions", []):
            created = version.get("CreatedDate")
            versions.append(
                VersionEntry(
                    str(version["VersionId"]),
                    created if isinstance(created, datetime.datetime) else None,
                    tuple(version.get("VersionStages") or ()),
                )
            )
        token = page.get("NextToken")
        if not token:
            return versions


def aws_code(exc: BaseException) -> str:
    """AWS's error code behind a mapped error (``.code`` where the error has it, else its ClientError cause)."""
    code = getattr(exc, "code", "")
    if code:
        return str(code)
    response = getattr(exc.__cause__, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
