"""``python -m lambda_bootstrap <command>``: the operator tool, which is a package of its own.

The tool (``lambda-bootstrap-cli``: push, check, roll, ...) never ships in a Lambda
zip, so the runtime does not carry it; this only hands over to it when it is installed.
"""

import sys

try:
    from lambda_bootstrap_cli import main
except ImportError:
    print(
        "error: the operator tool is a separate package: pip install lambda-bootstrap-cli "
        "(then run `lambda-bootstrap <command>`)",
        file=sys.stderr,
    )
    sys.exit(2)

sys.exit(main())
