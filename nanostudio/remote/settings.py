"""How to reach a WinRM endpoint, and the security rules every connection obeys.

Rules enforced here, before any packet leaves: Basic only over HTTPS; NTLM over HTTP
only with message encryption (the transports always ask for it); CredSSP does not
exist as a choice; nothing on the local machine (TrustedHosts) is ever changed.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
from dataclasses import dataclass
from typing import Literal, get_args

from nanostudio.remote.errors import InsecureSettingsError, SettingsError

AuthMethod = Literal["ntlm", "kerberos", "basic"]
AUTH_METHODS: tuple[AuthMethod, ...] = get_args(AuthMethod)
HTTP_PORT = 5985
HTTPS_PORT = 5986
DEFAULT_USER = "Administrator"
DEFAULT_TIMEOUT_S = 15.0
MAX_TIMEOUT_S = 3600.0


def default_port(https: bool) -> int:
    return HTTPS_PORT if https else HTTP_PORT


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to connect except the password (which never lives in settings)."""

    host: str
    port: int = HTTP_PORT
    https: bool = False
    auth: AuthMethod = "ntlm"
    user: str = DEFAULT_USER
    cert_pin_sha256: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def scheme(self) -> str:
        return "https" if self.https else "http"

    @property
    def endpoint(self) -> str:
        host = self.host
        try:
            if ipaddress.ip_address(host).version == 6:
                host = f"[{host}]"
        except ValueError:
            pass
        return f"{self.scheme}://{host}:{self.port}/wsman"

    @property
    def host_key(self) -> str:
        """The key for per-host data (history, pins): host and port, case-folded."""
        return f"{self.host.lower()}:{self.port}"

    def replace(self, **changes: object) -> ConnectionSettings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) pairs for the dialog and the CLI; empty when usable."""
        found: list[tuple[str, str]] = []
        if not self.host.strip():
            found.append(("host", "Enter the VM's name or IP address."))
        elif any(c.isspace() for c in self.host) or "/" in self.host:
            found.append(("host", f"{self.host!r} is not a host name or IP address."))
        if not 1 <= self.port <= 65535:
            found.append(("port", f"Port {self.port} is out of range (1–65535)."))
        if self.auth not in AUTH_METHODS:
            found.append(
                ("auth", f"Unknown authentication {self.auth!r}; use NTLM, Kerberos or Basic.")
            )
        elif self.auth == "basic" and not self.https:
            found.append(
                (
                    "auth",
                    "Basic authentication sends the password readably: use it only with HTTPS.",
                )
            )
        if not self.user.strip():
            found.append(("user", "Enter a user name (usually Administrator)."))
        if not math.isfinite(self.timeout_s) or not 0 < self.timeout_s <= MAX_TIMEOUT_S:
            found.append(
                (
                    "timeout_s",
                    f"The timeout must be a number of seconds between 0 and {MAX_TIMEOUT_S:g}.",
                )
            )
        return found

    def check(self) -> None:
        """Raise the first problem as a user-facing error."""
        problems = self.problems()
        if not problems:
            return
        field, message = problems[0]
        if field == "auth" and self.auth == "basic":
            raise InsecureSettingsError(message)
        raise SettingsError(message)
