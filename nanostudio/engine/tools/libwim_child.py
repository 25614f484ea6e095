"""The helper process that writes a delta WIM with libwim (see ``libwim.write_delta_wim``):

python -m nanostudio.engine.tools.libwim_child SOURCE INDEX OVERLAY DEST [--uncompressed]
"""

from __future__ import annotations

import signal
import sys

from nanostudio.engine.tools.libwim import child_main


def main(argv: list[str]) -> int:
    # Ctrl+C reaches the whole process group: the parent decides, and kills us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return child_main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
