"""LoopbackWinRM: the HTTP front, authentication and encryption glued to the resources."""

from __future__ import annotations

import functools
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.winrm_server import encryption, service_info, soap
from tests.support.winrm_server.auth import Authenticator, AuthResult
from tests.support.winrm_server.commands import CmdEnvironment, Script
from tests.support.winrm_server.service import WinRMService
from tests.support.winrm_server.tls import ServerCertificate, certificate_from_pfx, make_certificate
from tests.support.winrm_server.transport import (
    Connection,
    DropConnection,
    HttpRequest,
    HttpResponse,
    HttpServer,
)
from tests.support.winrm_server.winrs_powershell import run_script

DEFAULT_USERS: Mapping[str, str] = {"Administrator": "Nano-Pa55word!"}
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it came in; the Authorization value is never kept (it may hold a password).

    `body` is the bytes on the wire, `soap` the envelope after unsealing (None when the
    request carried none, e.g. an authentication leg), `auth_scheme` the word of the
    Authorization header ("Basic", "Negotiate", "NTLM") or None.
    """

    method: str
    path: str
    content_type: str
    auth_scheme: str | None
    user: str | None
    encrypted: bool
    tls: bool
    body: bytes
    soap: bytes | None
    action: str | None
    status: int


class LoopbackWinRM:
    """A WinRM service on 127.0.0.1 that pywinrm and pypsrp talk to over a real socket."""

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        hostname: str = "NANO1",
        tls: bool = False,
        auth: Collection[str] = ("basic", "ntlm"),
        pfx: tuple[bytes, bytes] | None = None,
    ) -> None:
        self.users: dict[str, str] = dict(users if users is not None else DEFAULT_USERS)
        self.hostname = hostname
        # Extra command lines (lower case, single spaces) → (stdout, exit code): what a
        # test needs the VM to answer beyond commands.py (dism, netsh, type of a log).
        self.commands: dict[str, tuple[str, int]] = {}
        self.tls = tls
        self._pfx = pfx  # (PKCS#12 bytes, password): serve that certificate instead
        self.host = LOOPBACK
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self.cert_pem: bytes | None = None
        self.thumbprint_sha256: str | None = None
        self.thumbprint_sha1: str | None = None
        self._auth_methods = tuple(auth)
        self._lock = threading.Lock()
        self._private_dir: Path | None = None
        self._authenticator: Authenticator | None = None
        self._certificate: ServerCertificate | None = None
        self._http: HttpServer | None = None
        self._service: WinRMService | None = None
        self._hang_release = threading.Event()
        self._hanging = False
        self._drop_next = 0

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}/wsman"

    # -- lifetime -------------------------------------------------------------------

    def __enter__(self) -> LoopbackWinRM:
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
        """Listen on a free port (or the port of a previous start) and serve in the background."""
        if self._http is not None:
            raise RuntimeError("the server is already running")
        if self._private_dir is None:
            self._private_dir = Path(tempfile.mkdtemp(prefix="loopback-winrm-"))
            self._authenticator = Authenticator(
                self.users, self._auth_methods, self.hostname, self._private_dir
            )
            if self.tls and self._pfx is not None:
                pfx, password = self._pfx
                self._set_certificate(certificate_from_pfx(pfx, password, self._private_dir))
            elif self.tls:
                self._set_certificate(make_certificate(self.hostname, LOOPBACK, self._private_dir))
        self._hang_release.clear()
        self._http = HttpServer(
            self._handle, host=self.host, port=self.port, tls_context=self._tls, name="winrm"
        )
        self.port = self._http.port
        self._service = WinRMService(
            self.hostname, self.endpoint, self._cmd_environment, self._thread_prefix
        )
        self._http.start()

    def stop(self) -> None:
        """Stop serving, cut every connection and wait for every thread; removes private files."""
        self._shutdown()
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    def _shutdown(self) -> None:
        self._hang_release.set()
        if self._service is not None:
            self._service.stop()
        if self._http is not None:
            self._http.stop()
            self._http = None
        self._service = None

    @property
    def _thread_prefix(self) -> str:
        return f"winrm-{self.port}"

    def live_threads(self) -> list[str]:
        """Names of this server's threads still running (empty after stop(), or a bug)."""
        prefix = self._thread_prefix + "-"
        return [t.name for t in threading.enumerate() if t.name.startswith(prefix)]

    def restart(self) -> None:
        """Like a VM reboot: same port, every shell and runspace pool forgotten."""
        self._shutdown()
        with self._lock:
            self._hanging = False
            self._drop_next = 0
        self.start()

    def winrs_commands(self) -> dict[str, list[str]]:
        """Open WinRS shells and the ids of the commands still in each (empty when clean)."""
        return self._service.winrs.open_commands() if self._service is not None else {}

    # -- faults ---------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Cut every open connection now, even one waiting in a long-poll."""
        if self._http is not None:
            self._http.drop_connections()

    def drop_next_requests(self, count: int = 1) -> None:
        """Read the next `count` requests, then close their connections without a reply."""
        with self._lock:
            self._drop_next = count

    def hang(self, enabled: bool = True) -> None:
        """While enabled, requests get no reply; disabling (or stop) drops the held connections."""
        with self._lock:
            self._hanging = enabled
            if enabled:
                self._hang_release.clear()
            else:
                self._hang_release.set()

    def replace_certificate(self) -> None:
        """Serve a new self-signed certificate from now on (a reinstalled VM)."""
        if not self.tls or self._private_dir is None:
            raise RuntimeError("replace_certificate needs a running TLS server")
        self._set_certificate(make_certificate(self.hostname, LOOPBACK, self._private_dir))
        self.drop_connections()

    def _set_certificate(self, certificate: ServerCertificate) -> None:
        self._certificate = certificate
        self.cert_pem = certificate.cert_pem
        self.thumbprint_sha256 = certificate.thumbprint_sha256
        self.thumbprint_sha1 = certificate.thumbprint_sha1

    def _tls(self) -> tuple[ssl.SSLContext, bytes] | None:
        certificate = self._certificate
        if not self.tls or certificate is None:
            return None
        return certificate.context, certificate.cert_der

    # -- requests -------------------------------------------------------------------

    def _cmd_environment(self, user: str) -> CmdEnvironment:
        return CmdEnvironment(
            hostname=self.hostname,
            user=user,
            address=LOOPBACK,
            powershell=functools.partial(_powershell, self.hostname, user),
            extra=self.commands,
        )

    def _handle(self, request: HttpRequest, connection: Connection) -> HttpResponse:
        self._apply_faults()
        response, record = self._respond(request, connection)
        with self._lock:
            self.requests.append(record)
        return response

    def _apply_faults(self) -> None:
        with self._lock:
            hanging = self._hanging
            drop = self._drop_next > 0
            if drop:
                self._drop_next -= 1
        if hanging:
            self._hang_release.wait()
            raise DropConnection
        if drop:
            raise DropConnection

    def _respond(
        self, request: HttpRequest, connection: Connection
    ) -> tuple[HttpResponse, RecordedRequest]:
        content_type = request.headers.get("content-type", "")
        encrypted = encryption.is_encrypted(content_type)
        scheme = request.headers.get("authorization", "").partition(" ")[0] or None
        record: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "content_type": content_type,
            "auth_scheme": scheme,
            "user": None,
            "encrypted": encrypted,
            "tls": connection.tls_certificate_der is not None,
            "body": request.body,
            "soap": None,
            "action": None,
        }

        def done(response: HttpResponse) -> tuple[HttpResponse, RecordedRequest]:
            return response, RecordedRequest(status=response.status, **record)

        if request.path.split("?")[0].lower() != "/wsman":
            return done(HttpResponse(404))
        if request.method != "POST":
            return done(HttpResponse(405))
        assert self._authenticator is not None and self._service is not None
        if _is_unauthenticated_identify(request):
            record["action"] = "Identify"
            body = self._service.identify()
            return done(HttpResponse(200, [("Content-Type", SOAP_CONTENT_TYPE)], body))
        auth = self._authenticator.authenticate(request, connection)
        if not auth.ok:
            return done(HttpResponse(401, list(auth.headers)))
        record["user"] = auth.user
        headers = list(auth.headers)
        if encrypted:
            if auth.session is None:
                return done(HttpResponse(400, headers))
            try:
                payload = encryption.unwrap(request.body, auth.session.context)
            except encryption.EncryptionError:
                return done(HttpResponse(400, headers))
        else:
            payload = request.body
        if not payload:
            return done(HttpResponse(200, headers))
        record["soap"] = payload
        record["action"] = _action_of(payload)
        status, reply = self._reply(
            payload, auth.user or "", refuse=_refusal(auth, connection, encrypted)
        )
        if encrypted and auth.session is not None:
            body = encryption.wrap(reply, auth.session.context)
            headers.append(("Content-Type", encryption.CONTENT_TYPE))
        else:
            body = reply
            headers.append(("Content-Type", SOAP_CONTENT_TYPE))
        return done(HttpResponse(status, headers, body, close=self._service.stopping.is_set()))

    def _reply(self, payload: bytes, user: str, refuse: str | None) -> tuple[int, bytes]:
        assert self._service is not None
        if service_info.is_identify(payload):
            return 200, self._service.identify()
        return self._service.handle(payload, user, refuse=refuse)


def _powershell(hostname: str, user: str, script: str, clixml: bool) -> Script:
    return run_script(script, hostname, user, clixml=clixml)


def _refusal(auth: AuthResult, connection: Connection, encrypted: bool) -> str | None:
    """Why the service refuses to act on an authenticated request, if it does."""
    if auth.method == "ntlm" and not encrypted and connection.tls_certificate_der is None:
        return (
            "The WinRM service refused an unencrypted message: NTLM over HTTP needs "
            "message encryption."
        )
    return None


def _is_unauthenticated_identify(request: HttpRequest) -> bool:
    return request.headers.get("wsmanidentify", "").lower() == "unauthenticated" and (
        service_info.is_identify(request.body)
    )


def _action_of(payload: bytes) -> str | None:
    try:
        return soap.parse_request(payload).action or None
    except soap.WSManFault:
        return None


def free_port() -> int:
    """A port nothing listens on right now (for 'unreachable host' tests)."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port
