"""``python -m lambda_bootstrap <command>``: the stage tooling (see :mod:`lambda_bootstrap.cli`)."""

import sys

from lambda_bootstrap.cli import main

sys.exit(main())
