"""``python -m hloop``."""

import sys

from hloop.cli import main

sys.exit(main())
