"""Django's ``diffsettings``, refused on a deployed stage.

It prints every setting: ``SECRET_KEY``, the database password, ``HEALTH_TOKEN``.
On Lambda, ``zappa manage <stage> diffsettings`` would send them to CloudWatch
and to the caller's terminal. It still runs where ``DEBUG`` is on (dev).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import diffsettings


class Command(diffsettings.Command):
    def handle(self, **options: Any) -> str:
        if not settings.DEBUG:
            raise CommandError(
                "diffsettings prints every setting, secrets included: it runs only where DEBUG is on (dev), "
                "never on a deployed stage"
            )
        return str(super().handle(**options))
