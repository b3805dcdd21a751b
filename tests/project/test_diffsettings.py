"""``zappa manage <stage> diffsettings`` would print SECRET_KEY and the database password: refused."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings


def test_diffsettings_is_refused_where_debug_is_off() -> None:
    out = io.StringIO()
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="secrets included") as raised:
        call_command("diffsettings", stdout=out)
    assert settings.SECRET_KEY not in str(raised.value) + out.getvalue()


def test_diffsettings_still_runs_in_development() -> None:
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("diffsettings", stdout=out)
    assert "DEBUG = True" in out.getvalue()
