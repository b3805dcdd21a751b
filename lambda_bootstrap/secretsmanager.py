"""Fetch one Secrets Manager secret and expand it into env keys.

Secrets are fetched with one ``GetSecretValue`` each, concurrently, and not
with ``BatchGetSecretValue``: the batch call's quota is 100 TPS (not
adjustable) against 10,000 TPS for ``GetSecretValue``, so under a burst of cold
starts the batch call throttles first, and the concurrent calls take the same
single round trip.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from .errors import SecretFormatError
from .keys import expand_secret
from .settings import SecretSource

__all__ = ["fetch_secret"]


def fetch_secret(client: Any, source: SecretSource, call: Callable[..., Any], binary_as_base64: bool) -> dict[str, str]:
    """The env keys and values of one secret (its AWSCURRENT version)."""
    response = call(lambda: client.get_secret_value(SecretId=source.secret_id), action="secretsmanager:GetSecretValue")
    if response.get("SecretString") is not None:
        return expand_secret(response["SecretString"], source.prefix, source.label)
    if not binary_as_base64:
        raise SecretFormatError(
            f"{source.label} is a binary secret; set BOOTSTRAP_BINARY_SECRETS=base64 to export it base64-encoded"
        )
    if not source.prefix:
        raise SecretFormatError(f"{source.label} is a binary secret, so it needs a key prefix (PREFIX=id)")
    return {source.prefix: base64.b64encode(response["SecretBinary"]).decode("ascii")}
