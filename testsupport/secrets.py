"""Writing a secret "behind the tool's back" (another operator, a rotation) the way the tool itself writes.

A write here is AWS's rotation protocol, the tool's compare-and-swap: the new
version is put under a label of its own, then ``UpdateSecretVersionStage``
moves AWSCURRENT to it from the version that holds it now. A plain
``PutSecretValue`` after such a swap would leave two versions labelled
AWSCURRENT in moto (its "default version" only follows PutSecretValue), so
every test that writes a secret after the tool may have written it goes
through :func:`put_current`, and reads it back with :func:`current_text`.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["current_text", "put_current"]

_LABEL = "testsupport-pending"


def current_text(client: Any, secret_id: str) -> str:
    """The SecretString of the version AWSCURRENT is on (asked for by label, as the bootstrap asks)."""
    return str(client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")["SecretString"])


def put_current(client: Any, secret_id: str, text: str) -> str:
    """Make ``text`` the secret's AWSCURRENT version, as a rotation function finishes; its VersionId."""
    holder = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")["VersionId"]
    version = str(uuid.uuid4())
    client.put_secret_value(SecretId=secret_id, SecretString=text, ClientRequestToken=version, VersionStages=[_LABEL])
    client.update_secret_version_stage(
        SecretId=secret_id, VersionStage="AWSCURRENT", MoveToVersionId=version, RemoveFromVersionId=holder
    )
    client.update_secret_version_stage(SecretId=secret_id, VersionStage=_LABEL, RemoveFromVersionId=version)
    return version
