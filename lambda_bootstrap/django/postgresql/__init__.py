"""The rotation-aware PostgreSQL backend: ``ENGINE = "lambda_bootstrap.django.postgresql"`` (see :mod:`.base`)."""
