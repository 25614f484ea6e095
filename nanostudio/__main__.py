"""Allow ``python -m nanostudio``; also the frozen app's entry script."""

import multiprocessing
import sys

from nanostudio.cli.main import main

if __name__ == "__main__":
    # The remote console runs its session in a spawned child: in a frozen
    # build that child is this executable again, and this call serves it.
    multiprocessing.freeze_support()
    sys.exit(main())
