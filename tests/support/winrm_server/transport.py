"""A small HTTP/1.1 server: one thread per connection, keep-alive, bounded, stoppable.

WinRM authenticates (NTLM) and encrypts per TCP connection, so the server must keep
connections open across requests and tell the handler which connection a request
came on; http.server's handler classes hide both, hence this.
"""

from __future__ import annotations

import contextlib
import io
import logging
import select
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 32
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
MAX_BODY = 64 * 1024 * 1024
IDLE_TIMEOUT = 120.0  # HTTP.sys's default IdleConnectionTimeout
TLS_HANDSHAKE_TIMEOUT = 10.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


@dataclass(frozen=True)
class HttpRequest:
    """One request as read from the wire; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpResponse:
    """What the handler answers; `headers` may repeat a name (WWW-Authenticate does)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    close: bool = False


class DropConnection(Exception):
    """Raised by a handler to close the connection without answering."""


@dataclass(eq=False)
class Connection:
    """Per-connection state the handler may keep (the NTLM context lives here).

    `tls_certificate_der` is the certificate this server presented on the connection,
    for NTLM channel bindings; None over plain HTTP.
    """

    peer: tuple[str, int]
    sock: socket.socket
    tls_certificate_der: bytes | None = None
    state: dict[str, object] = field(default_factory=dict)

    def shutdown(self) -> None:
        """Wake any thread blocked on this socket and make it fail."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class Handler(Protocol):
    def __call__(self, request: HttpRequest, connection: Connection) -> HttpResponse: ...


class HttpServer:
    """Listens on host:port and runs `handler` for every request on its own connection thread."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_context: Callable[[], tuple[ssl.SSLContext, bytes] | None] = lambda: None,
        name: str = "winrm",
    ) -> None:
        self._handler = handler
        self._tls_context = tls_context
        self._name = name
        self.host = host
        self._lock = threading.Lock()
        self._connections: dict[Connection, threading.Thread] = {}
        self._stopping = threading.Event()
        self._listener = socket.create_server((host, port), backlog=16)
        self.port: int = self._listener.getsockname()[1]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"{name}-{self.port}-accept", daemon=True
        )

    def start(self) -> None:
        self._accept_thread.start()

    def stop(self) -> None:
        """Close the listener and every connection, then wait for all threads."""
        self._stopping.set()
        if self._accept_thread.ident is not None:  # started
            self._accept_thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop_connections()
        with self._lock:
            threads = list(self._connections.values())
        for thread in threads:
            thread.join(timeout=5)

    def drop_connections(self) -> None:
        """Cut every open connection (the listener keeps accepting new ones)."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.shutdown()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                sock, peer = self._listener.accept()
            except OSError:
                continue
            with self._lock:
                too_many = len(self._connections) >= MAX_CONNECTIONS
            if too_many or self._stopping.is_set():
                sock.close()
                continue
            connection = Connection(peer=peer, sock=sock)
            thread = threading.Thread(
                target=self._serve,
                args=(connection,),
                name=f"{self._name}-{self.port}-conn-{peer[1]}",
                daemon=True,
            )
            with self._lock:
                self._connections[connection] = thread
            thread.start()

    def _serve(self, connection: Connection) -> None:
        try:
            tls = self._tls_context()
            if tls is not None:
                context, certificate_der = tls
                connection.sock.settimeout(TLS_HANDSHAKE_TIMEOUT)
                connection.sock = context.wrap_socket(connection.sock, server_side=True)
                connection.tls_certificate_der = certificate_der
            connection.sock.settimeout(IDLE_TIMEOUT)
            reader = connection.sock.makefile("rb")
            while not self._stopping.is_set():
                try:
                    request = _read_request(reader)
                except _BadRequest:
                    connection.sock.sendall(_encode_response(HttpResponse(400, close=True)))
                    break
                if request is None:
                    break
                try:
                    response = self._handler(request, connection)
                except DropConnection:
                    break
                except Exception:
                    # A bug in the service: answer like IIS would and keep it visible in logs.
                    log.exception("loopback WinRM failed on %s %s", request.method, request.path)
                    response = HttpResponse(500, close=True)
                connection.sock.sendall(_encode_response(response))
                wants_close = request.headers.get("connection", "").lower() == "close"
                if response.close or wants_close:
                    break
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                connection.sock.close()
            with self._lock:
                self._connections.pop(connection, None)


class _BadRequest(ValueError):
    pass


def _read_request(reader: io.BufferedReader) -> HttpRequest | None:
    """Read one request; None at a clean end of stream between requests."""
    readline = reader.readline
    read = reader.read
    line: bytes = readline(MAX_HEADER_LINE + 1)
    while line in (b"\r\n", b"\n"):
        line = readline(MAX_HEADER_LINE + 1)
    if not line:
        return None
    parts = line.decode("latin-1").strip().split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest("bad request line")
    method, path, _version = parts
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        raw = readline(MAX_HEADER_LINE + 1)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    else:
        raise _BadRequest("too many headers")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _read_chunked(readline, read)
    else:
        length = int(headers.get("content-length", "0") or "0")
        if length < 0 or length > MAX_BODY:
            raise _BadRequest("bad content length")
        body = read(length) if length else b""
        if len(body) != length:
            return None
    return HttpRequest(method=method, path=path, headers=headers, body=body)


def _read_chunked(readline: Callable[[int], bytes], read: Callable[[int], bytes]) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size = int(readline(MAX_HEADER_LINE).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while readline(MAX_HEADER_LINE) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY:
            raise _BadRequest("body too large")
        chunks.append(read(size))
        readline(MAX_HEADER_LINE)


def _encode_response(response: HttpResponse) -> bytes:
    reason = _REASONS.get(response.status, "Unknown")
    lines = [f"HTTP/1.1 {response.status} {reason}", "Server: Microsoft-HTTPAPI/2.0"]
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    lines.append(f"Content-Length: {len(response.body)}")
    if response.close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + response.body
