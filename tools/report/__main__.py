"""``python -m tools.report``: see :mod:`tools.report`."""

import sys

from . import main

sys.exit(main())
