"""Lambda SnapStart: a snapshot that serves no stale secret, shares no socket and repeats no random stream.

With SnapStart (python3.12+, ``snap_start: PublishedVersions``) the init runs
once, when a version is published, and every new execution environment is
restored from that snapshot: the configuration loaded then, the boto3
clients and their connection pools, the credentials of the init, the
database connections and Python's ``random`` state would all be the
snapshot's, in every restored environment, for the life of the version.

So when the load runs in a SnapStart init (``AWS_LAMBDA_INITIALIZATION_TYPE``
is ``snap-start`` and the runtime's ``snapshot_restore_py`` is importable;
otherwise nothing is registered and nothing changes), the bootstrap registers
two runtime hooks:

- **before the snapshot**: the app's own callbacks (:func:`before_snapshot`:
  the Django integration closes database connections), then every boto3
  client is dropped with its pooled connections and credentials, and IAM
  database tokens are forgotten;
- **after each restore**: ``random`` is reseeded from ``os.urandom``, new
  clients get fresh credentials (botocore's parsed service models are kept:
  no re-parse), and the stage's configuration is fetched again through the
  same fetch path and rules as the cold start, under its deadline (inside
  Lambda's 10 s restore phase). When a value changed since the snapshot, the
  environment is updated and the app's callbacks (:func:`on_change`) rebuild
  what was built from the old values (the Django integration reloads the
  settings and rebuilds the WSGI application). A restore that cannot fetch,
  validate or apply the configuration raises: the runtime reports a restore
  error naming the source (never a value) and Lambda discards the
  environment. It fails closed, and so does a change that no callback can
  apply.

``python -m lambda_bootstrap_cli roll`` publishes a new version for a
SnapStart stage, so that a pushed value reaches the snapshot itself.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import ConfigurationError

if TYPE_CHECKING:
    from .loader import Bootstrap

__all__ = ["SNAPSTART", "before_snapshot", "enabled", "on_change", "register", "restore"]

logger = logging.getLogger("lambda_bootstrap")

SNAPSTART = "snap-start"  # AWS_LAMBDA_INITIALIZATION_TYPE in an init that will be snapshotted

_lock = threading.Lock()
_registered: set[int] = set()
_before: list[Callable[[], None]] = []
_on_change: list[Callable[[list[str]], None]] = []


def enabled() -> bool:
    """This init will be snapshotted, and the runtime can run hooks."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != SNAPSTART:
        return False
    try:
        import snapshot_restore_py  # noqa: F401 - the runtime's own module (awslambdaric ships it)
    except ImportError:
        return False
    return True


def before_snapshot(callback: Callable[[], None]) -> None:
    """Run ``callback`` before the snapshot, before the bootstrap drops its clients (close what holds sockets)."""
    with _lock:
        _before.append(callback)


def on_change(callback: Callable[[list[str]], None]) -> None:
    """After a restore whose configuration changed, call ``callback(changed_keys)`` to rebuild from the new values."""
    with _lock:
        _on_change.append(callback)


def register(bootstrap: Bootstrap) -> None:
    """Register the hooks for ``bootstrap`` once, if this init will be snapshotted (the loader calls it)."""
    if not enabled():
        return
    with _lock:
        if id(bootstrap) in _registered:
            return
        _registered.add(id(bootstrap))
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(_before_snapshot, bootstrap)
    register_after_restore(restore, bootstrap)


def _before_snapshot(bootstrap: Bootstrap) -> None:
    for callback in list(_before):
        callback()
    bootstrap.forget_connections()
    from . import rds_auth

    rds_auth.forget_tokens()
    logger.info("lambda_bootstrap: ready for the snapshot (clients, connections and tokens dropped)")


def restore(bootstrap: Bootstrap) -> list[str]:
    """After a restore: new randomness and credentials, the configuration fetched again; the keys that changed."""
    started = time.perf_counter()
    random.seed()  # every environment restored from one snapshot would otherwise draw the same stream
    bootstrap.forget_connections()
    changed = bootstrap.reload()
    if changed:
        if not _on_change:
            raise ConfigurationError(
                f"the stage's configuration changed since the snapshot ({', '.join(changed)}) and nothing in this "
                "process can apply it (register lambda_bootstrap.snapstart.on_change, e.g. with "
                "lambda_bootstrap.zappa_handler); roll the stage to publish a snapshot with the new values",
                keys=changed,
            )
        for callback in list(_on_change):
            callback(changed)
    logger.info(
        "lambda_bootstrap: restored in %.0f ms; %d key(s) changed since the snapshot%s",
        (time.perf_counter() - started) * 1000,
        len(changed),
        f": {', '.join(changed)}" if changed else "",
    )
    return changed
