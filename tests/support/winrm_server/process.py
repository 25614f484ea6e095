"""LoopbackWinRM in a child process, for tests that measure the client's own timing.

In-process, the service's threads compete with the code under test for the GIL: a GUI
stall test or a throughput benchmark would then partly measure the fake server. A
real VM runs in another process; so can this one. Same API as LoopbackWinRM, except
that `requests` is a snapshot taken from the child at each access (use
`clear_requests()` to empty it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Collection, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.winrm_server.server import LoopbackWinRM, RecordedRequest

_START_TIMEOUT = 60.0
_CALL_TIMEOUT = 30.0
_PUBLIC_STATE = ("host", "port", "endpoint", "cert_pem", "thumbprint_sha256", "thumbprint_sha1")
_CALLS = frozenset(
    {"restart", "drop_connections", "drop_next_requests", "hang", "replace_certificate"}
)


def _state(server: LoopbackWinRM) -> dict[str, Any]:
    return {name: getattr(server, name) for name in _PUBLIC_STATE}


def child_main(fd: int) -> None:
    """The child's main loop: run the server, answer the parent's calls, stop on request."""
    conn = Connection(fd)
    options: dict[str, Any] = conn.recv()
    server = LoopbackWinRM(**options)
    with server:
        conn.send(("ok", _state(server)))
        while True:
            try:
                command, args = conn.recv()
            except EOFError:  # the parent went away
                return
            if command == "stop":
                conn.send(("ok", None))
                return
            try:
                if command == "requests":
                    conn.send(("ok", list(server.requests)))
                elif command == "clear_requests":
                    server.requests.clear()
                    conn.send(("ok", None))
                elif command in _CALLS:
                    getattr(server, command)(*args)
                    conn.send(("ok", _state(server)))
                else:
                    conn.send(("error", f"unknown command {command!r}"))
            except Exception as exc:  # report to the parent, keep serving
                conn.send(("error", f"{type(exc).__name__}: {exc}"))


class LoopbackWinRMProcess:
    """A LoopbackWinRM running in a child Python process, driven over a socket pair."""

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        hostname: str = "NANO1",
        tls: bool = False,
        auth: Collection[str] = ("basic", "ntlm"),
    ) -> None:
        self._options: dict[str, Any] = {
            "users": dict(users) if users is not None else None,
            "hostname": hostname,
            "tls": tls,
            "auth": tuple(auth),
        }
        self.hostname = hostname
        self.tls = tls
        self.host = "127.0.0.1"
        self.port = 0
        self.endpoint = ""
        self.cert_pem: bytes | None = None
        self.thumbprint_sha256: str | None = None
        self.thumbprint_sha1: str | None = None
        self._conn: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LoopbackWinRMProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start a fresh interpreter running child_main (no fork, no re-import of __main__)."""
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        code = (
            "from tests.support.winrm_server.process import child_main; "
            f"child_main({theirs.fileno()})"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", code], pass_fds=[theirs.fileno()], env=env, cwd=root
        )
        theirs.close()
        self._conn = Connection(ours.detach())
        self._conn.send(self._options)
        self._apply(self._receive(_START_TIMEOUT))

    def stop(self) -> None:
        """Ask the child to stop its server, then make sure the process is gone."""
        if self._conn is not None:
            try:
                self._conn.send(("stop", ()))
                self._receive(_CALL_TIMEOUT)
            except (OSError, EOFError, RuntimeError):
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            try:
                self._process.wait(_CALL_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def requests(self) -> list[RecordedRequest]:
        """What came in so far (a copy taken from the child)."""
        result: list[RecordedRequest] = self._call("requests")
        return result

    def clear_requests(self) -> None:
        self._call("clear_requests")

    def restart(self) -> None:
        self._apply(self._call("restart"))

    def drop_connections(self) -> None:
        self._apply(self._call("drop_connections"))

    def drop_next_requests(self, count: int = 1) -> None:
        self._apply(self._call("drop_next_requests", count))

    def hang(self, enabled: bool = True) -> None:
        self._apply(self._call("hang", enabled))

    def replace_certificate(self) -> None:
        self._apply(self._call("replace_certificate"))

    def _call(self, command: str, *args: Any) -> Any:
        if self._conn is None:
            raise RuntimeError("the loopback WinRM process is not running")
        self._conn.send((command, args))
        return self._receive(_CALL_TIMEOUT)

    def _receive(self, timeout: float) -> Any:
        assert self._conn is not None
        if not self._conn.poll(timeout):
            raise RuntimeError("the loopback WinRM process did not answer")
        try:
            status, value = self._conn.recv()
        except EOFError:
            code = self._process.poll() if self._process is not None else None
            raise RuntimeError(f"the loopback WinRM process exited (code {code})") from None
        if status != "ok":
            raise RuntimeError(f"loopback WinRM process: {value}")
        return value

    def _apply(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
