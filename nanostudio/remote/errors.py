"""Remote failures in plain words, each a ``RemoteError`` the GUI and CLI can show as-is."""

from __future__ import annotations

from nanostudio.errors import RemoteError


class SettingsError(RemoteError):
    """The connection settings cannot be used as given (empty host, bad port...)."""

    exit_code = 2


class InsecureSettingsError(SettingsError):
    """The chosen settings would send a password in the clear; refused before connecting."""


class EndpointError(RemoteError):
    """A failure at one ``host:port``: what answered (or not) there, for the handlers
    that name it or act on it (the trust prompt pins that host and port)."""

    def __init__(self, message: str, host: str, port: int) -> None:
        super().__init__(message)
        self.host = host
        self.port = port


class HostUnreachableError(EndpointError):
    """Nothing answered at the address within the timeout."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        super().__init__(
            f"{host}:{port} did not answer within {timeout_s:g} s: check that the VM is "
            "running, that its address is right and that a firewall does not drop the traffic.",
            host,
            port,
        )
        self.timeout_s = timeout_s


class PortClosedError(EndpointError):
    """The host answered but refused the WinRM port."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"{host} refused a connection on port {port}: is WinRM enabled in the image, and "
            f"does its firewall allow port {port} (WinRM HTTP is 5985, HTTPS 5986)?",
            host,
            port,
        )


class BadCredentialsError(RemoteError):
    """The server rejected the user name or password."""

    def __init__(self, user: str, host: str) -> None:
        super().__init__(
            f"{host} rejected the user name or password for {user!r}: check both (a local "
            "account may need the form HOST\\Administrator)."
        )
        self.user = user
        self.host = host


class CertificateUnknownError(EndpointError):
    """HTTPS with a certificate nobody vouches for: the user must decide to trust it once."""

    def __init__(self, host: str, port: int, sha256: str, subject: str) -> None:
        super().__init__(
            f"The HTTPS certificate of {host}:{port} is not trusted yet "
            f"(subject {subject}, SHA-256 {format_thumbprint(sha256)}). Compare the "
            "thumbprint with the one on the server and trust it to pin it for this host.",
            host,
            port,
        )
        self.sha256 = sha256
        self.subject = subject


class CertificateChangedError(EndpointError):
    """The pinned certificate was replaced: possibly an attack, never silently accepted."""

    def __init__(self, host: str, port: int, expected: str, actual: str | None) -> None:
        shown = format_thumbprint(actual) if actual else "unknown"
        super().__init__(
            f"WARNING: the HTTPS certificate of {host}:{port} has CHANGED (pinned SHA-256 "
            f"{format_thumbprint(expected)}, now {shown}). Someone may be intercepting the "
            "connection. If the server was reinstalled, remove the old pin and trust the new "
            "certificate deliberately; the connection was refused.",
            host,
            port,
        )
        self.expected = expected
        self.actual = actual


class SessionLostError(RemoteError):
    """The server no longer knows the session (restart, reboot, idle timeout)."""


class RemoteProtocolError(RemoteError):
    """The server answered with a WS-Management fault or something unexpected."""


def format_thumbprint(hex_digest: str) -> str:
    """AA:BB:CC… the way Windows and browsers show a thumbprint, so users can compare."""
    clean = hex_digest.replace(":", "").upper()
    return ":".join(clean[i : i + 2] for i in range(0, len(clean), 2))
