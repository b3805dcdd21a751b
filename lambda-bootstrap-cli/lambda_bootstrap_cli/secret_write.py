"""Writing a JSON secret so that concurrent writers lose nothing: prevention, not detection.

One write, on the version it read:

1. the first write of a secret that does not exist is ``CreateSecret`` (with
   the stage's KMS key); if another writer created it meanwhile
   (``ResourceExistsException``), it is read and the write goes on as below;
2. otherwise ``DescribeSecret`` first: pending labels a dead writer left are
   cleared (:mod:`.pending`), and a secret encrypted with another key than
   the stage's ``kms_key`` is switched to it (:mod:`.kms`);
3. the new document is put as a version of its own under a pending label, so
   it does not become current (``PutSecretValue`` with ``VersionStages``);
4. :func:`.swap.swap_current` moves AWSCURRENT to it only if the version read
   still holds it; then the pending label is taken off;
5. if another writer's version became current meanwhile, the keys that writer
   changed (against the version this write read) are compared with the keys
   this write changes. If they overlap (and the values differ), the write is
   refused, naming them (:class:`ConcurrentWriteError`, exit 4): nothing of it
   became current. Otherwise this write's own changes are re-applied on the
   new version, judged again by the stage's rules, and tried again from 3,
   after a jittered back-off, until the command's deadline.

So a writer is told "wrote" only once its version is current with all its keys,
and every later write keeps them (it re-applies its own changes only). Values
are compared in memory, never shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lambda_bootstrap.errors import BootstrapError

from . import kms, pending
from .aws import Aws
from .console import Console
from .errors import ConcurrentWriteError, ToolError, WriteOutcomeUnknownError, WriteStoppedError, reason
from .journal import outcome_unknown
from .secret_versions import SecretRead, aws_code, describe_secret, read_secret, version_stages
from .swap import swap_current

__all__ = ["SecretChange", "Written", "write_secret"]

Fields = dict[str, Any]


@dataclass(frozen=True)
class SecretChange:
    """One write to a JSON secret, in a form that can be re-applied on a version another writer made current."""

    keys: tuple[str, ...]  # the fields this write adds, changes or removes
    after: Mapping[str, Any]  # the fields after the write, on the version read
    rebase: Callable[[Mapping[str, Any]], Fields]  # the same change on other fields
    render: Callable[[Mapping[str, Any]], str]  # fields -> the secret's text
    parse: Callable[[SecretRead], Fields]  # a version's fields (a document the tool cannot read: refused)
    recheck: Callable[[Mapping[str, Any], Mapping[str, Any]], None]  # (fields now, fields after): raise if refused
    find_out: str  # the command that tells whether a write whose answer never came landed
    kms_key: str | None = None


@dataclass(frozen=True)
class Written:
    version_id: str
    created: bool = False


def write_secret(aws: Aws, read: SecretRead, change: SecretChange, console: Console) -> Written:
    """Make ``change`` current on top of whatever is current by then, or raise saying why nothing of it is."""
    deadline = aws.run()  # the whole write, re-reads and back-off included, within the command's deadline
    base, after = read, dict(change.after)
    if not base.exists:
        created = _create(aws, base, change, after, console)
        if created is not None:
            return created
        base = _read_again(aws, base)
        after = _rebase(base, change, {}, console)
    _prepare(aws, base, change, console)
    attempt = 0
    while True:
        attempt += 1
        label, version = _put_pending(aws, base, change, change.render(after))
        winner = swap_current(aws, base, version, change.find_out)
        try:
            released = pending.release(aws, base.secret_id, base.label, label, version)
            if winner is None:
                if not released:
                    console.note(
                        f"  {base.label}: pending label {label} left on version {version} (a later write clears it)"
                    )
                return Written(version)
            after = _rebase(winner, change, change.parse(base), console)
            if after == change.parse(winner):  # the other writer wrote this write's values too
                console.note(
                    f"  {base.label}: version {winner.version_id}, made current meanwhile, already holds this write"
                )
                return Written(str(winner.version_id))
            wait = deadline.backoff(attempt, 0.0)
            if wait is None:
                raise ConcurrentWriteError(
                    f"{base.label}: other writers kept making new versions current until the deadline "
                    f"({aws.settings.timeout:g} s); nothing of this write became current. Run it again",
                )
            deadline.wait(wait)
        except KeyboardInterrupt as exc:
            if winner is None:  # current already: only the label's removal was cut short
                raise WriteStoppedError(base.label, change.keys, (), exc) from exc
            raise _nothing_current(base, change, exc) from exc
        base = winner


def _create(aws: Aws, read: SecretRead, change: SecretChange, after: Fields, console: Console) -> Written | None:
    """CreateSecret: this write's version, current at once; None when another writer created the secret first."""
    client = aws.client("secretsmanager")
    token = str(uuid.uuid4())
    document = change.render(after)
    kms_key = change.kms_key

    def create() -> object:
        if kms_key:
            return client.create_secret(
                Name=read.secret_id, SecretString=document, ClientRequestToken=token, KmsKeyId=kms_key
            )
        return client.create_secret(Name=read.secret_id, SecretString=document, ClientRequestToken=token)

    try:
        aws.call(create, resource=read.label, action="secretsmanager:CreateSecret")
    except (BootstrapError, KeyboardInterrupt) as exc:
        if aws_code(exc) == "ResourceExistsException":
            console.note(f"  {read.label}: created by another writer since it was read; re-applying on it")
            return None
        if outcome_unknown(exc):
            raise WriteOutcomeUnknownError(read.label, f"CreateSecret (version {token})", exc, change.find_out) from exc
        raise WriteStoppedError(read.label, (), change.keys, exc) from exc
    if change.kms_key:
        console.note(f"  {read.label}: encrypted with the stage's kms_key {change.kms_key}")
    return Written(token, created=True)


def _read_again(aws: Aws, read: SecretRead) -> SecretRead:
    again = read_secret(aws, read.secret_id, read.label)
    if not again.exists:
        raise ConcurrentWriteError(f"{read.label} was created and deleted again while this write ran: nothing written")
    return again


def _prepare(aws: Aws, read: SecretRead, change: SecretChange, console: Console) -> None:
    """Before the first put: clear dead writers' pending labels, and move the secret to the stage's KMS key."""
    try:
        description = describe_secret(aws, read.secret_id, read.label)
        pending.clear_stale(aws, read.secret_id, read.label, version_stages(description), console)
        if change.kms_key:
            kms.use_stage_key(aws, read, description, change.kms_key, console)
    except (BootstrapError, KeyboardInterrupt) as exc:
        if isinstance(exc, WriteOutcomeUnknownError):
            raise
        raise WriteStoppedError(read.label, (), change.keys, exc) from exc


def _put_pending(aws: Aws, base: SecretRead, change: SecretChange, document: str) -> tuple[str, str]:
    """The new version under a pending label of its own: written, and not current."""
    client = aws.client("secretsmanager")
    label, version = pending.new_label(), str(uuid.uuid4())
    try:
        aws.call(
            lambda: client.put_secret_value(
                SecretId=base.secret_id, SecretString=document, ClientRequestToken=version, VersionStages=[label]
            ),
            resource=base.label,
            action="secretsmanager:PutSecretValue",
            housekeeping=True,
        )
    except (BootstrapError, KeyboardInterrupt) as exc:
        raise _nothing_current(base, change, exc) from exc
    return label, version


def _nothing_current(base: SecretRead, change: SecretChange, cause: BaseException) -> ToolError:
    """A write stopped after a pending version of it may have been sent, and before any became current."""
    return ToolError(
        f"{base.label}: stopped before this write became current ({reason(cause)}): nothing of it became current; "
        f"not written: {', '.join(change.keys)}. A version of it may be left under a pending label: "
        "no reader loads it, and a later write clears the label"
    )


def _rebase(winner: SecretRead, change: SecretChange, read_fields: Mapping[str, Any], console: Console) -> Fields:
    """This write's changes on ``winner``, unless the writer behind it changed the same keys otherwise."""
    theirs = change.parse(winner)
    missing = object()
    changed_by_them = {
        key for key in read_fields.keys() | theirs.keys() if theirs.get(key, missing) != read_fields.get(key, missing)
    }
    after = change.rebase(theirs)
    overlap = sorted(
        key for key in change.keys if key in changed_by_them and theirs.get(key, missing) != after.get(key, missing)
    )
    if overlap:
        raise ConcurrentWriteError(
            f"{winner.label}: another writer made version {winner.version_id} current after this write read the "
            f"secret, and changed the same key(s) differently: {', '.join(overlap)}. Nothing of this write became "
            "current; look at the values now (diff), then write again if yours should win",
            overlap=overlap,
        )
    try:
        change.recheck(theirs, after)
    except ToolError as exc:
        exc.add_note(
            f"(re-applied on version {winner.version_id}, which another writer made current meanwhile; "
            "nothing of this write became current)"
        )
        raise
    kept = sorted(changed_by_them - set(change.keys))
    console.note(
        f"  {winner.label}: another writer made version {winner.version_id} current meanwhile "
        f"({', '.join(kept) or 'no other key'} changed); re-applying this write's {len(change.keys)} key(s) on it"
    )
    return after
