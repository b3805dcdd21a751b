"""A stage's secrets in Secrets Manager: the bundle, and secrets expanded by their shape.

Each secret is one ``GetSecretValue``, all of them concurrently, and never
``BatchGetSecretValue``: the batch call's quota is 100 TPS (not adjustable)
against 10,000 TPS for ``GetSecretValue``, so under a burst of cold starts the
batch call throttles first, while the concurrent calls take the same single
round trip.

The bundle (``BOOTSTRAP_BUNDLE``) is the default layout: one secret holding the
stage's whole configuration as a JSON object, read with one call (docs/burst.md
has the burst ceilings of each layout).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .errors import ConfigurationError, SourceError
from .keys import bundle_entries, secret_entries
from .merge import Entry
from .retry import LoadRun
from .settings import SecretSource
from .sources import ClientFor, Task

__all__ = ["CURRENT", "GET_SECRET_VALUE", "BundleSecret", "StageSecret", "get_secret_value"]

GET_SECRET_VALUE = "secretsmanager:GetSecretValue"  # noqa: S105 - an IAM action
CURRENT = "AWSCURRENT"  # the staging label every reader loads


class BundleSecret:
    """One secret of ``{"KEY": "value", ...}``: the whole configuration in one call."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id
        self.label = f"secretsmanager:{secret_id}"
        self.action = GET_SECRET_VALUE

    def tasks(self, client_for: ClientFor) -> list[Task]:
        client = client_for("secretsmanager")

        def fetch(run: LoadRun) -> list[Entry]:
            answer = get_secret_value(client, self.secret_id, run)
            if not isinstance(answer.get("SecretString"), str):
                raise ConfigurationError(f"{self.label} is a binary secret; a bundle holds a JSON object")
            return bundle_entries(answer["SecretString"], self.label)

        return [fetch]


class StageSecret:
    """One of ``BOOTSTRAP_SECRETS``: a plain string, a JSON object or an RDS-style secret."""

    def __init__(self, source: SecretSource, binary_as_base64: bool) -> None:
        self.source = source
        self.label = source.label
        self.action = GET_SECRET_VALUE
        self.binary_as_base64 = binary_as_base64

    def tasks(self, client_for: ClientFor) -> list[Task]:
        client = client_for("secretsmanager")
        return [lambda run: self._entries(get_secret_value(client, self.source.secret_id, run))]

    def _entries(self, answer: dict[str, Any]) -> list[Entry]:
        if isinstance(answer.get("SecretString"), str):
            return secret_entries(answer["SecretString"], self.source.prefix, self.label)
        if not self.binary_as_base64:
            raise ConfigurationError(
                f"{self.label} is a binary secret; set BOOTSTRAP_BINARY_SECRETS=base64 to export it base64-encoded"
            )
        if not self.source.prefix:
            raise ConfigurationError(f"{self.label} is a binary secret, so it needs a key prefix (PREFIX=id)")
        value = base64.b64encode(answer["SecretBinary"]).decode("ascii")
        return [Entry(self.source.prefix, value, self.label, self.label)]


def get_secret_value(client: Any, secret_id: str, run: LoadRun) -> dict[str, Any]:
    """The AWSCURRENT version of a secret, checked to be the secret asked for and to hold a value.

    ``VersionStage="AWSCURRENT"`` is what AWS answers without it too; asked explicitly, the answer
    is the version the label is on even where a server tracks a "default" version apart from the
    label (moto does, and the operator tool moves AWSCURRENT with UpdateSecretVersionStage).
    """
    label = f"secretsmanager:{secret_id}"
    answer = run.call(
        lambda: client.get_secret_value(SecretId=secret_id, VersionStage=CURRENT),
        resource=label,
        action=GET_SECRET_VALUE,
    )
    if not isinstance(answer, dict):
        raise SourceError(f"{GET_SECRET_VALUE} for {label} answered nothing usable", resource=label)
    name, arn = answer.get("Name"), answer.get("ARN")
    if name is None and arn is None:
        raise SourceError(
            f"{GET_SECRET_VALUE} for {label} answered without naming any secret: not what Secrets Manager "
            "answers (a proxy's or a gateway's page in front of it?)",
            resource=label,
            action=GET_SECRET_VALUE,
        )
    if not _is_the_secret(secret_id, name, arn):
        raise SourceError(
            f"{GET_SECRET_VALUE} for {label} answered for another secret, or named none",
            resource=label,
            action=GET_SECRET_VALUE,
        )
    if not isinstance(answer.get("SecretString"), str) and not isinstance(answer.get("SecretBinary"), bytes):
        raise SourceError(
            f"{GET_SECRET_VALUE} for {label} answered with neither SecretString nor SecretBinary",
            resource=label,
            action=GET_SECRET_VALUE,
        )
    return answer


_ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}")


def _is_the_secret(secret_id: str, name: object, arn: object) -> bool:
    """The answer's Name or ARN is the id asked for (a partial ARN: plus Secrets Manager's 6-character suffix)."""
    if not secret_id.startswith("arn:"):
        return name == secret_id
    if not isinstance(arn, str):
        return False
    if arn == secret_id:
        return True
    if _ARN_SUFFIX.fullmatch(secret_id[-7:]):  # asked by a full ARN (suffix included): only that one will do
        return False
    return arn.startswith(secret_id) and bool(_ARN_SUFFIX.fullmatch(arn[len(secret_id) :]))
