"""``python -m kefu`` = the ``kefu`` console script."""

import sys

from kefu.cli import main

sys.exit(main())
