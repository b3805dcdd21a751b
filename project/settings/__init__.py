"""Settings package: ``dev`` (local), ``staging`` and ``prod`` (deployed), ``aws_lambda``.

On Lambda, Zappa points DJANGO_SETTINGS_MODULE at ``aws_lambda``, which runs
the bootstrap and then takes the stage's settings.
"""
