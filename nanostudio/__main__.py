"""Allow ``python -m nanostudio``; also the frozen app's entry script."""

import multiprocessing
import sys

from nanostudio.cli.main import main
from nanostudio.engine.tools.libwim import CHILD_FLAG
from nanostudio.engine.tools.libwim_child import main as libwim_child

if __name__ == "__main__":
    # The remote console runs its session in a spawned child: in a frozen
    # build that child is this executable again, and this call serves it.
    multiprocessing.freeze_support()
    if sys.argv[1:2] == [CHILD_FLAG]:  # the frozen app serving libwim's helper process
        sys.exit(libwim_child(sys.argv[2:]))
    sys.exit(main())
