"""Allow ``python -m nanostudio``."""

import sys

from nanostudio.cli.main import main

sys.exit(main())
