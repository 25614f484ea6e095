"""The loopback WinRM server in a child process, for measurements.

In-process, the server's Python work competes with the client for the GIL, so GUI
stall and throughput numbers would measure the test server, not NanoStudio. A VM's
WinRM service is another machine; a child process is the closest loopback stand-in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType

_ROOT = Path(__file__).resolve().parents[2]
_CHILD = """
import json, os, sys
os.nice(19)  # the stand-in for another machine: it must not take CPU from what is measured
from tests.support.winrm_server import LoopbackWinRM
with LoopbackWinRM(tls={tls}) as server:
    print(json.dumps({{"host": server.host, "port": server.port}}), flush=True)
    sys.stdin.read()  # runs until the parent closes our stdin
"""


class ServerProcess:
    """``with ServerProcess() as (host, port):`` a LoopbackWinRM in its own interpreter."""

    def __init__(self, tls: bool = False) -> None:
        self.tls = tls
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> tuple[str, int]:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _CHILD.format(tls=self.tls)],
            cwd=_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.kill()
            raise RuntimeError("the loopback WinRM server process did not start")
        address = json.loads(line)
        return str(address["host"]), int(address["port"])

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (Linux: /proc; 0.0 elsewhere)."""
        process = self._process
        if process is None:
            return 0.0
        try:
            stat = Path(f"/proc/{process.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
