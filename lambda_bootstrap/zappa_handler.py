"""The Lambda handler of a Django app under Zappa: a faster init, and safe across SnapStart snapshots.

Point a stage at it in zappa_settings.json::

    "lambda_handler": "lambda_bootstrap.zappa_handler.lambda_handler"

Zappa's own handler (``handler.py``, which Zappa writes into every package)
still does all the work: this module imports it, so that with
``INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT`` Django is set up in the init (and so
in the snapshot), and passes every event to it. Around that import it does
two things for the init (measured by ``bin/bench init``, docs/benchmarks.md):

- the stage's AWS calls start first (:meth:`.Bootstrap.prefetch`, with the
  variables Zappa's handler will set, read from its ``zappa_settings``
  module), so they wait on the network while Zappa and Django import; the
  settings module's ``load()`` then checks and exports their answers as it
  always does;
- garbage collection is off while the init builds what the container keeps for
  its whole life (modules, settings, apps, URL resolvers, botocore's models),
  nearly none of it garbage: collecting only walks it again and again. Then
  what it built is frozen out of every later collection and collection is on
  again; the few cycles the init left are kept (counted by the benchmark).

With SnapStart it adds the Django part of the hooks
(:mod:`lambda_bootstrap.snapstart`): database connections closed before the
snapshot, and after a restore whose configuration changed, the settings read
again from the new values and the WSGI application Zappa serves built again
from them, so the first request after the restore sees the new values.
"""

from __future__ import annotations

import gc
from typing import Any

from . import loader, snapstart

__all__ = ["lambda_handler"]


def lambda_handler(event: Any, context: Any) -> Any:
    """Every event goes to Zappa's handler, exactly as it would without this module."""
    return zappa.lambda_handler(event, context)


def _start_fetching() -> None:
    """The stage's AWS calls, started with the variables Zappa's handler sets from its zappa_settings module."""
    try:
        import zappa_settings  # written into every package by Zappa
    except ImportError:
        return
    overrides = dict(getattr(zappa_settings, "ENVIRONMENT_VARIABLES", None) or {})
    for variable, setting in (("PROJECT", "PROJECT_NAME"), ("STAGE", "API_STAGE")):
        if getattr(zappa_settings, setting, None):
            overrides[variable] = str(getattr(zappa_settings, setting))
    loader.default().prefetch(overrides)


def _rebuild(changed: list[str]) -> None:
    """The settings, then the WSGI application Zappa serves, from the values of the restored environment."""
    from zappa.ext.django_zappa import get_django_wsgi
    from zappa.middleware import ZappaWSGIMiddleware

    from .django.snapstart import reload_settings

    reload_settings()
    instance = zappa.global_handler
    if instance is not None and getattr(instance.settings, "DJANGO_SETTINGS", None):
        instance.wsgi_app = ZappaWSGIMiddleware(get_django_wsgi(instance.settings.DJANGO_SETTINGS))


_collecting = gc.isenabled()
gc.disable()
try:
    _start_fetching()
    import handler as zappa  # Zappa's handler.py at the package's root: its init builds Django when instantiated
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

if snapstart.enabled():
    import logging

    from .django.snapstart import close_connections

    if zappa.global_handler is None:  # no INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT: nothing of Django in the snapshot
        logging.getLogger("lambda_bootstrap").warning(
            "lambda_bootstrap: SnapStart without INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT=true: Django and the "
            "configuration are not in the snapshot, so every restored environment builds them at its first "
            "event (set it in the stage's aws_environment_variables)"
        )

    snapstart.before_snapshot(close_connections)
    snapstart.on_change(_rebuild)
