"""HTTP authentication as the WinRM service does it: Basic per request, NTLM per connection.

The NTLM acceptor is pyspnego's. It only reads the accounts it may accept from the
file named by the NTLM_USER_FILE environment variable (explicit credentials are for
initiators), so each server writes its accounts in smbpasswd form (NT hashes, never
the passwords) to a private folder and points that variable at it, under a lock, only
while the acceptor runs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import threading
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spnego
import spnego.channel_bindings
from spnego._ntlm_raw.crypto import ntowfv1  # public NTLM maths; the acceptor needs NT hashes

from tests.support.winrm_server.transport import Connection, HttpRequest

_ENV_LOCK = threading.Lock()
_NTLM_STATE = "ntlm"


@dataclass
class NtlmSession:
    """The NTLM context of one connection; `context` seals and unseals its messages."""

    context: Any  # spnego.ContextProxy
    scheme: str  # the word the client used: "Negotiate" or "NTLM"
    complete: bool = False
    user: str = ""


@dataclass(frozen=True)
class AuthResult:
    """Whether the request may proceed, as whom, and the headers to answer with."""

    ok: bool
    method: str | None = None  # "basic" or "ntlm"
    user: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    session: NtlmSession | None = None


class Authenticator:
    """Checks the Authorization of each request against the configured users and methods."""

    def __init__(
        self,
        users: Mapping[str, str],
        methods: Collection[str],
        hostname: str,
        private_dir: Path,
    ) -> None:
        unknown = set(methods) - {"basic", "ntlm"}
        if unknown:
            raise ValueError(f"unsupported auth methods: {sorted(unknown)}")
        self._users = {name.lower(): password for name, password in users.items()}
        self._canonical = {name.lower(): name for name in users}
        self._methods = frozenset(methods)
        self._hostname = hostname
        self._user_file = private_dir / "ntlm_users"
        if "ntlm" in self._methods:
            self._write_user_file(users)

    def _write_user_file(self, users: Mapping[str, str]) -> None:
        """smbpasswd lines for every user, bare and qualified by the machine name or '.'."""
        lines = []
        for name, password in users.items():
            nt_hash = binascii.hexlify(ntowfv1(password)).decode().upper()
            for qualified in (name, f"{self._hostname}\\{name}", f".\\{name}"):
                lines.append(f"{qualified}:1000:{'0' * 32}:{nt_hash}:[U]:LCT-00000000")
        fd = os.open(self._user_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def offers(self) -> tuple[tuple[str, str], ...]:
        """The WWW-Authenticate headers of a 401, in the order Windows sends them."""
        headers = []
        if "ntlm" in self._methods:
            headers.append(("WWW-Authenticate", "Negotiate"))
        if "basic" in self._methods:
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return tuple(headers)

    def authenticate(self, request: HttpRequest, connection: Connection) -> AuthResult:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        word = scheme.lower()
        if not header:
            session = connection.state.get(_NTLM_STATE)
            if isinstance(session, NtlmSession) and session.complete:
                return AuthResult(ok=True, method="ntlm", user=session.user, session=session)
            return AuthResult(ok=False, headers=self.offers())
        if word == "basic" and "basic" in self._methods:
            return self._basic(token.strip())
        if word in ("negotiate", "ntlm") and "ntlm" in self._methods:
            return self._ntlm(scheme, token.strip(), connection)
        return AuthResult(ok=False, headers=self.offers())

    def _basic(self, token: str) -> AuthResult:
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return AuthResult(ok=False, headers=self.offers())
        account = _local_account(user, self._hostname)
        expected = self._users.get(account.lower())
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            return AuthResult(ok=False, headers=self.offers())
        return AuthResult(ok=True, method="basic", user=self._canonical[account.lower()])

    def _ntlm(self, scheme: str, token: str, connection: Connection) -> AuthResult:
        try:
            in_token = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self._ntlm_failed(connection)
        session = connection.state.get(_NTLM_STATE)
        try:
            with self._acceptor_env():
                if not isinstance(session, NtlmSession) or session.complete:
                    session = NtlmSession(
                        context=self._new_acceptor(in_token, connection), scheme=scheme
                    )
                    connection.state[_NTLM_STATE] = session
                out_token = session.context.step(in_token)
        except spnego.exceptions.SpnegoError:
            return self._ntlm_failed(connection)
        header_value = scheme + (" " + base64.b64encode(out_token).decode() if out_token else "")
        if not session.context.complete:
            return AuthResult(ok=False, headers=(("WWW-Authenticate", header_value),))
        session.complete = True
        account = _local_account(str(session.context.client_principal or ""), self._hostname)
        session.user = self._canonical.get(account.lower(), account)
        headers = (("WWW-Authenticate", header_value),) if out_token else ()
        return AuthResult(
            ok=True, method="ntlm", user=session.user, headers=headers, session=session
        )

    def _ntlm_failed(self, connection: Connection) -> AuthResult:
        connection.state.pop(_NTLM_STATE, None)
        return AuthResult(ok=False, headers=self.offers())

    def _new_acceptor(self, first_token: bytes, connection: Connection) -> Any:
        bindings = None
        if connection.tls_certificate_der is not None:
            digest = hashlib.sha256(connection.tls_certificate_der).digest()
            bindings = spnego.channel_bindings.GssChannelBindings(
                application_data=b"tls-server-end-point:" + digest
            )
        raw_ntlm = first_token.startswith(b"NTLMSSP\x00")
        return spnego.server(
            hostname=self._hostname,
            service="http",
            channel_bindings=bindings,
            protocol="ntlm" if raw_ntlm else "negotiate",
        )

    @contextlib.contextmanager
    def _acceptor_env(self) -> Iterator[None]:
        with _ENV_LOCK:
            previous = os.environ.get("NTLM_USER_FILE")
            os.environ["NTLM_USER_FILE"] = str(self._user_file)
            try:
                yield
            finally:
                if previous is None:
                    os.environ.pop("NTLM_USER_FILE", None)
                else:
                    os.environ["NTLM_USER_FILE"] = previous


def _local_account(user: str, hostname: str) -> str:
    """'NANO1\\Administrator', '.\\Administrator' and 'Administrator' name one local account."""
    domain, sep, name = user.rpartition("\\")
    if sep and domain.lower() in (hostname.lower(), "."):
        return name
    return user
