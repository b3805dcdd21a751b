"""The Lambda handler of a Django app under Zappa, safe across SnapStart snapshots.

Point a stage at it in zappa_settings.json::

    "lambda_handler": "lambda_bootstrap.zappa_handler.lambda_handler"

Zappa's own handler (``handler.py``, which Zappa writes into every package)
still does all the work: this module imports it, so that with
``INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT`` Django is set up in the init (and so
in the snapshot), and passes every event to it. With SnapStart it adds the
Django part of the hooks (:mod:`lambda_bootstrap.snapstart`): database
connections closed before the snapshot, and after a restore whose
configuration changed, the settings read again from the new values and the
WSGI application Zappa serves built again from them, so the first request
after the restore sees the new values. Without SnapStart it adds nothing.
"""

from __future__ import annotations

import gc

# The init builds what the container keeps for its whole life (modules, settings, Django's apps and
# URL resolvers, botocore's models): hundreds of thousands of objects, nearly none of them garbage.
# Collecting while they are made only walks them again and again (docs/benchmarks.md: the "init"
# section), so collection is off for the init, and what it built is frozen out of every later
# collection; what garbage the init left stays with it (its size is in the same section).
_collecting = gc.isenabled()
gc.disable()
try:
    import handler as zappa  # Zappa's handler.py at the package's root: its init builds Django when instantiated
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

from typing import Any  # noqa: E402 - after the init above

from . import snapstart  # noqa: E402

__all__ = ["lambda_handler"]


def lambda_handler(event: Any, context: Any) -> Any:
    """Every event goes to Zappa's handler, exactly as it would without this module."""
    return zappa.lambda_handler(event, context)


def _rebuild(changed: list[str]) -> None:
    """The settings, then the WSGI application Zappa serves, from the values of the restored environment."""
    from zappa.ext.django_zappa import get_django_wsgi
    from zappa.middleware import ZappaWSGIMiddleware

    from .django.snapstart import reload_settings

    reload_settings()
    instance = zappa.global_handler
    if instance is not None and getattr(instance.settings, "DJANGO_SETTINGS", None):
        instance.wsgi_app = ZappaWSGIMiddleware(get_django_wsgi(instance.settings.DJANGO_SETTINGS))


if snapstart.enabled():
    from .django.snapstart import close_connections

    snapstart.before_snapshot(close_connections)
    snapstart.on_change(_rebuild)
