"""``python -m lambda_bootstrap_cli``: the same as the ``lambda-bootstrap`` command."""

import sys

from lambda_bootstrap_cli import main

sys.exit(main())
