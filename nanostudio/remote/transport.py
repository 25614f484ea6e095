"""Build the two client libraries' connections with NanoStudio's security rules applied,
and turn their exceptions into plain-words ``RemoteError``s.

pypsrp (``WSMan``) carries the interactive PowerShell session, pywinrm (``Protocol``)
the one-shot WinRS commands. Both sit on a ``requests.Session``; when a certificate is
pinned, HTTPS on that session goes through ``PinnedAdapter``, which verifies the
server's certificate against the pin instead of against a CA.
"""

from __future__ import annotations

import logging
import math
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import requests.adapters
import requests.auth
from pypsrp import exceptions as psrp_exc
from pypsrp.negotiate import HTTPNegotiateAuth
from pypsrp.wsman import WSMan
from winrm import exceptions as winrm_exc
from winrm.protocol import Protocol

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import (
    BadCredentialsError,
    CertificateChangedError,
    CertificateUnknownError,
    HostUnreachableError,
    PortClosedError,
    RemoteProtocolError,
    SessionLostError,
)
from nanostudio.remote.pinning import PinStore, fetch_certificate, normalise_thumbprint
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.text import printable

log = logging.getLogger(__name__)

# WS-Man fault codes worth naming (MS-WSMV, as sent by Windows).
FAULT_OPERATION_TIMEOUT = 2150858793  # 0x80338029: long-poll ended with nothing to say
FAULT_SHELL_NOT_FOUND = 2150858843  # 0x8033805B: the server forgot the shell
_FINGERPRINT_MISMATCH = "Fingerprints did not match"


class PinnedAdapter(requests.adapters.HTTPAdapter):
    """HTTPS verified against a pinned SHA-256 thumbprint rather than a CA chain.

    The chain check is replaced, not dropped: urllib3's ``assert_fingerprint`` compares
    the certificate the server presented with the pin on every new connection and
    aborts the handshake on a mismatch.
    """

    def __init__(self, sha256: str, **kwargs: Any) -> None:
        self.sha256 = normalise_thumbprint(sha256)
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params.get("scheme") == "https":
            for key in ("ssl_context", "ca_certs", "ca_cert_dir"):
                pool_kwargs.pop(key, None)
            pool_kwargs["cert_reqs"] = "CERT_NONE"
            pool_kwargs["assert_fingerprint"] = self.sha256
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """requests re-applies CA checking to the pool here; pin instead, on every pool."""
        super().cert_verify(conn, url, verify, cert)
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_NONE"
            conn.ca_certs = None
            conn.ca_cert_dir = None
            conn.assert_fingerprint = self.sha256


def effective_pin(settings: ConnectionSettings, pins: PinStore | None) -> str | None:
    """The pin that applies: the one in the settings, else the stored one for the host."""
    if not settings.https:
        return None
    if settings.cert_pin_sha256:
        return normalise_thumbprint(settings.cert_pin_sha256)
    return pins.get(settings.host, settings.port) if pins is not None else None


def _http_timeouts(settings: ConnectionSettings) -> tuple[int, int]:
    """(read timeout, WS-Man operation timeout): the server must answer before we give up."""
    read = max(2, math.ceil(settings.timeout_s))
    return read, max(1, read - 1)


def make_wsman(settings: ConnectionSettings, password: str, pin: str | None) -> WSMan:
    """A pypsrp connection: message encryption on plain HTTP, pinned TLS when a pin exists."""
    settings.check()
    read_timeout, operation_timeout = _http_timeouts(settings)
    wsman = WSMan(
        settings.host,
        port=settings.port,
        username=settings.user,
        password=password,
        ssl=settings.https,
        auth=settings.auth,
        cert_validation=True,
        encryption="auto",  # HTTP: always encrypted (NTLM/Kerberos); HTTPS: TLS does it
        connection_timeout=math.ceil(settings.timeout_s),
        read_timeout=read_timeout,
        operation_timeout=operation_timeout,
        no_proxy=True,
    )
    if pin is not None:
        # pypsrp builds its requests.Session on the first request, and only a CA check can
        # be asked of it; so the session is given to it ready-made, with the pin mounted.
        wsman.transport.session = _pinned_session(settings, password, pin)
    return wsman


def _pinned_session(settings: ConnectionSettings, password: str, pin: str) -> requests.Session:
    """What pypsrp would build for HTTPS (its headers, its auth), verified by the pin.

    Over HTTPS TLS protects the messages, so no message encryption ("auto") and NTLM or
    Kerberos binds to the TLS channel as pypsrp does (channel binding tokens).
    """
    session = requests.Session()
    session.trust_env = False  # no proxy or CA bundle from the environment (no_proxy=True)
    session.headers["User-Agent"] = "Python PSRP Client"
    session.headers["Accept-Encoding"] = "identity"  # WinRM sends what it is asked for
    session.mount("https://", PinnedAdapter(pin))
    session.verify = True
    if settings.auth == "basic":
        session.auth = requests.auth.HTTPBasicAuth(settings.user, password)
    else:
        session.auth = HTTPNegotiateAuth(
            username=settings.user, password=password, auth_provider=settings.auth
        )
    return session


def make_protocol(settings: ConnectionSettings, password: str, pin: str | None) -> Protocol:
    """A pywinrm connection for WinRS, with the same rules as ``make_wsman``."""
    settings.check()
    read_timeout, operation_timeout = _http_timeouts(settings)
    protocol = Protocol(
        settings.endpoint,
        transport=settings.auth,
        username=settings.user,
        password=password,
        server_cert_validation="validate",
        ca_trust_path=None,  # type: ignore[arg-type]  # None = no extra CA path (documented)
        message_encryption="auto",
        read_timeout_sec=read_timeout,
        operation_timeout_sec=operation_timeout,
        proxy=None,
    )
    if pin is not None:
        # HTTPS with "auto" encryption sends nothing while building: safe to mount after.
        session = protocol.transport.build_session()
        session.mount("https://", PinnedAdapter(pin))
    return protocol


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The exception, its causes, contexts and wrapped reasons (urllib3 nests them)."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))


def translate(error: BaseException, settings: ConnectionSettings, pin: str | None) -> RemoteError:
    """Turn whatever the libraries raised into the one sentence a user needs."""
    if isinstance(error, RemoteError):
        return error
    host, port, timeout = settings.host, settings.port, settings.timeout_s
    chain = list(_chain(error))
    text = " ".join(str(e) for e in chain)
    if isinstance(error, requests.exceptions.SSLError) or any(
        isinstance(e, ssl.SSLError) for e in chain
    ):
        return _translate_tls(settings, pin, text)
    if isinstance(error, winrm_exc.InvalidCredentialsError | psrp_exc.AuthenticationError):
        return BadCredentialsError(settings.user, host)
    if isinstance(error, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
        return HostUnreachableError(host, port, timeout)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return PortClosedError(host, port)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return RemoteError(
            f"The name {host!r} cannot be resolved: check the spelling or use the IP address."
        )
    if any(isinstance(e, TimeoutError | socket.timeout) for e in chain):
        return HostUnreachableError(host, port, timeout)
    if isinstance(error, psrp_exc.WSManFaultError):
        if error.code == FAULT_SHELL_NOT_FOUND:
            return SessionLostError(f"{host} no longer knows this session (was it restarted?).")
        return RemoteProtocolError(f"{host} refused the request: {error.reason or error}")
    if isinstance(error, winrm_exc.WinRMTransportError | psrp_exc.WinRMTransportError):
        return RemoteProtocolError(f"{host} answered with an HTTP error: {_first_line(str(error))}")
    if isinstance(
        error, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return SessionLostError(
            f"The connection to {host}:{port} was cut off in the middle of an answer: "
            f"{_first_line(str(error))}"
        )
    if isinstance(error, requests.exceptions.ConnectionError | ConnectionError):
        return SessionLostError(
            f"The connection to {host}:{port} was lost: {_first_line(str(error))}"
        )
    if isinstance(error, psrp_exc.InvalidPSRPOperation) and "broken" in str(error).lower():
        return SessionLostError(f"{host} closed the PowerShell session: {_first_line(str(error))}")
    if "spnego" in type(error).__module__ or "SpnegoError" in type(error).__name__:
        return RemoteError(
            f"{settings.auth.upper()} authentication with {host} failed: {_first_line(str(error))}"
        )
    if isinstance(error, winrm_exc.WinRMError | psrp_exc.WinRMError):
        return RemoteProtocolError(f"{host}: {_first_line(str(error))}")
    raise error


def _translate_tls(settings: ConnectionSettings, pin: str | None, text: str) -> RemoteError:
    host, port = settings.host, settings.port
    actual: str | None = None
    subject = "unknown"
    try:
        info = fetch_certificate(host, port, settings.timeout_s)
        actual, subject = info.sha256, info.subject
    except (OSError, ssl.SSLError, ValueError):
        log.debug("could not fetch the certificate of %s:%s for display", host, port, exc_info=True)
    if pin is not None and (_FINGERPRINT_MISMATCH in text or (actual and actual != pin)):
        return CertificateChangedError(host, port, pin, actual)
    if actual is not None:
        return CertificateUnknownError(host, port, actual, subject)
    return RemoteError(f"The TLS handshake with {host}:{port} failed: {_first_line(text)}")


@contextmanager
def translated(settings: ConnectionSettings, pin: str | None) -> Iterator[None]:
    """Run library calls; anything they raise leaves as a ``RemoteError``."""
    try:
        yield
    except (
        requests.exceptions.RequestException,
        OSError,
        winrm_exc.WinRMError,
        winrm_exc.WinRMTransportError,
        winrm_exc.WinRMOperationTimeoutError,
        psrp_exc.WinRMError,
    ) as error:
        raise translate(error, settings, pin) from error
    except Exception as error:
        if "spnego" in type(error).__module__:
            raise translate(error, settings, pin) from error
        raise


def _first_line(text: str) -> str:
    """One line of a library's message, which may quote the server's raw bytes: control
    characters (escape sequences a terminal would obey) are shown escaped."""
    line = text.strip().splitlines()[0] if text.strip() else "no details"
    line = printable(line)
    return line if len(line) <= 300 else line[:297] + "..."
