"""Which settings module a deployed stage runs: one function, used by aws_lambda.py and by ``check``."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from project.settings.stages import stage_settings_module


@pytest.mark.parametrize(
    ("environ", "module"),
    [
        ({"STAGE": "prod"}, "project.settings.prod"),
        ({"STAGE": "staging"}, "project.settings.staging"),
        ({"STAGE": "dev"}, "project.settings.staging"),
        ({"STAGE": "prod-vpc", "DJANGO_STAGE_SETTINGS": "project.settings.prod"}, "project.settings.prod"),
    ],
)
def test_each_stage_runs_its_module(environ: dict[str, str], module: str) -> None:
    assert stage_settings_module(environ) == module


def test_dev_is_never_a_deployed_stages_module() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"must be project\.settings\.staging or project\.settings\.prod"):
        stage_settings_module({"STAGE": "prod", "DJANGO_STAGE_SETTINGS": "project.settings.dev"})
