"""The tool's pending labels: a version written but not current yet carries one until the swap is decided.

A write puts its new version under a label of its own
(``lambda-bootstrap-pending-<epoch seconds>-<8 hex>``), so it does not become
AWSCURRENT, then moves AWSCURRENT to it (:mod:`.swap`). The label keeps the
version out of the way of a concurrent writer's, and is removed once the swap
is decided either way. A writer that died in between leaves its label behind:
harmless (no reader asks for it, and the version is never current), but
Secrets Manager allows only 20 labels across a secret's versions. So each write
first removes the pending labels older than :data:`STALE_AFTER`, by the time in
the label itself: a version's CreatedDate is not what AWS says under moto,
and the label's time is the writer's own. A live writer whose label goes
(a clock far behind) loses nothing: its swap names the version, not the label.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping

from lambda_bootstrap.errors import BootstrapError

from .aws import Aws
from .console import Console

__all__ = ["PREFIX", "STALE_AFTER", "clear_stale", "new_label", "release"]

PREFIX = "lambda-bootstrap-pending-"
STALE_AFTER = 600.0  # seconds: a write takes one round trip between its put and its swap
UPDATE_STAGE = "secretsmanager:UpdateSecretVersionStage"
_LABEL = re.compile(rf"^{PREFIX}(\d+)-[0-9a-f]{{8}}$")


def new_label(now: float | None = None) -> str:
    """A label of this write's own, stamped with the wall-clock time it was made."""
    stamp = int(time.time() if now is None else now)
    return f"{PREFIX}{stamp}-{secrets.token_hex(4)}"


def stale(label: str, now: float) -> bool:
    """A pending label of this tool older than STALE_AFTER (any other label is not ours to touch)."""
    found = _LABEL.match(label)
    return found is not None and now - int(found.group(1)) > STALE_AFTER


def release(aws: Aws, secret_id: str, resource: str, label: str, version: str) -> bool:
    """Take ``label`` off ``version``; best effort (a label left is cleared by a later write)."""
    client = aws.client("secretsmanager")
    try:
        aws.call(
            lambda: client.update_secret_version_stage(
                SecretId=secret_id, VersionStage=label, RemoveFromVersionId=version
            ),
            resource=resource,
            action=UPDATE_STAGE,
            housekeeping=True,
        )
    except BootstrapError:
        return False
    return True


def clear_stale(
    aws: Aws, secret_id: str, resource: str, stages: Mapping[str, list[str]], console: Console, now: float | None = None
) -> None:
    """Remove the pending labels writers that died left on the secret's versions."""
    moment = time.time() if now is None else now
    left = [(label, version) for version, labels in stages.items() for label in labels if stale(label, moment)]
    cleared = sum(release(aws, secret_id, resource, label, version) for label, version in left)
    if cleared:
        console.note(f"  {resource}: removed {cleared} pending label(s) a write that did not finish left behind")
