"""Django across a SnapStart snapshot: no connection in the snapshot, settings rebuilt when values changed.

:func:`close_connections` runs before the snapshot: a database connection
in a snapshot would be shared by every restored environment (and is dead by
then anyway). :func:`reload_settings` runs after a restore whose
configuration changed (:mod:`lambda_bootstrap.snapstart`): Django read its
settings at the init, from the environment of then, and several parts of it
keep what they read. So the settings modules are imported again from the new
environment, and everything Django built from them is reset: the lazy
settings object, the connection and cache handlers, the database router,
logging, and the caches of time zones, URLs, templates, storages,
translations, formats, password hashers and validators. The app registry
stays (``INSTALLED_APPS`` cannot change), and so does anything the project's
own modules copied out of the settings at import: roll the stage to publish a
snapshot with the new values for those.
"""

from __future__ import annotations

import os
import sys

__all__ = ["close_connections", "reload_settings"]


def close_connections() -> None:
    """Close every database connection and cache connection of this process."""
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    caches.close_all()


def _settings_modules(module: str) -> list[str]:
    """The loaded modules that make up ``module``'s settings: its whole package when that is a settings package.

    ``project.settings.aws_lambda`` is one of a package of settings modules (``project.settings``:
    base, prod, staging, the schema), imported from each other: all are read again. A settings
    module beside the app's own code (``mysite.settings``) is read again alone: importing an app's
    models a second time would break the app registry.
    """
    package = module.rpartition(".")[0]
    if package.rpartition(".")[2] == "settings":
        return sorted(name for name in sys.modules if name == package or name.startswith(package + "."))
    return [module] if module in sys.modules else []


def reload_settings() -> None:
    """Import the settings again from the environment as it is now, and reset what Django built from them."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connections, router
    from django.utils.functional import empty

    close_connections()
    module = os.environ.get("DJANGO_SETTINGS_MODULE") or str(getattr(settings, "SETTINGS_MODULE", ""))
    for name in _settings_modules(module):
        sys.modules.pop(name, None)
    settings._wrapped = empty
    for handler in (connections, caches):
        handler.__dict__.pop("settings", None)
        handler._settings = None
        handler._connections = _local(handler)
    router._routers = None
    router.__dict__.pop("routers", None)
    _clear_caches_built_from_settings()
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)  # and the settings are read here, anew


def _local(handler: object) -> object:
    from asgiref.local import Local

    return Local(getattr(handler, "thread_critical", False))


def _clear_caches_built_from_settings() -> None:
    """What Django caches from its settings outside the settings object.

    The same resets Django's own ``setting_changed`` receivers make (django/test/signals.py),
    done here without importing the test framework.
    """
    from asgiref.local import Local
    from django.contrib.auth import hashers, password_validation
    from django.contrib.staticfiles.finders import get_finder
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.files.storage import default_storage, storages
    from django.forms.renderers import get_default_renderer
    from django.template import engines
    from django.template.engine import Engine
    from django.urls import clear_url_caches, set_urlconf
    from django.utils import formats, timezone
    from django.utils.functional import empty
    from django.utils.translation import trans_real

    timezone.get_default_timezone.cache_clear()
    clear_url_caches()
    set_urlconf(None)
    engines.__dict__.pop("templates", None)
    engines._templates = None
    engines._engines = {}
    Engine.get_default.cache_clear()
    get_default_renderer.cache_clear()
    storages.__dict__.pop("backends", None)
    storages._backends = None
    storages._storages = {}
    default_storage._wrapped = empty
    staticfiles_storage._wrapped = empty
    get_finder.cache_clear()
    trans_real._default = None
    trans_real._active = Local()
    trans_real._translations = {}
    trans_real.translation_catalog_exists.cache_clear()
    formats.reset_format_cache()
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    password_validation.get_default_password_validators.cache_clear()
