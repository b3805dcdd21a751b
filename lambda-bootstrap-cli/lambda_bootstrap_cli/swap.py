"""The compare-and-swap: make a version AWSCURRENT only if the version read is still AWSCURRENT.

``PutSecretValue`` has no condition, but ``UpdateSecretVersionStage(VersionStage=
"AWSCURRENT", MoveToVersionId=new, RemoveFromVersionId=read)`` moves the label
only if ``read`` still holds it (AWS's own rotation functions finish this way;
moto enforces it too: "Version stage AWSCURRENT not found in version ...");
AWSPREVIOUS follows to ``read``. Writes (:mod:`.secret_write`) and rollbacks
(:mod:`.commands.rollback`) both go through :func:`swap_current`.

Whatever AWS answers with a refusal, the secret's AWSCURRENT is read again to
learn what happened, rather than trusting an error code: ``new`` current means
this swap landed (a retried request whose first answer was lost); another
version current means another writer won; ``read`` still current means the swap
was refused for its own reason, and that error stands. No answer at all
(a timeout, Ctrl-C) means it may have landed: :class:`WriteOutcomeUnknownError`.
"""

from __future__ import annotations

from lambda_bootstrap.errors import AccessDeniedError, BootstrapError

from .aws import Aws
from .errors import WriteOutcomeUnknownError
from .journal import outcome_unknown
from .secret_versions import CURRENT, SecretRead, read_secret

__all__ = ["UPDATE_STAGE", "swap_current"]

UPDATE_STAGE = "secretsmanager:UpdateSecretVersionStage"


def swap_current(aws: Aws, read: SecretRead, version: str, find_out: str) -> SecretRead | None:
    """Move AWSCURRENT from ``read`` to ``version``: None when it moved, else the version another writer made current.

    ``find_out``: the command that tells whether it landed, should no answer come.
    """
    client = aws.client("secretsmanager")
    sent = f"the swap of AWSCURRENT to version {version}"
    try:
        try:
            aws.call(
                lambda: client.update_secret_version_stage(
                    SecretId=read.secret_id,
                    VersionStage=CURRENT,
                    MoveToVersionId=version,
                    RemoveFromVersionId=str(read.version_id),
                ),
                resource=read.label,
                action=UPDATE_STAGE,
            )
            return None
        except BootstrapError as refused:
            if outcome_unknown(refused) or isinstance(refused, AccessDeniedError):
                raise
            now = read_secret(aws, read.secret_id, read.label)
            if now.version_id == version:
                return None
            if now.version_id == read.version_id or not now.exists:
                raise
            return now
    except (BootstrapError, KeyboardInterrupt) as exc:
        if outcome_unknown(exc):
            raise WriteOutcomeUnknownError(read.label, sent, exc, find_out) from exc
        raise
