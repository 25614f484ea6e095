"""What ``nanostudio console`` and ``nanostudio exec`` share: connection options,
the password (environment or prompt, never argv) and the terminal's certificate trust step.
"""

from __future__ import annotations

import argparse
import getpass
import math
import os
import sys
from collections.abc import Callable, Mapping
from typing import TextIO, TypeVar

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import (
    BadCredentialsError,
    CertificateChangedError,
    CertificateUnknownError,
    SettingsError,
    format_thumbprint,
)
from nanostudio.remote.pinning import PinStore, normalise_thumbprint
from nanostudio.remote.saved import PasswordVault
from nanostudio.remote.settings import (
    AUTH_METHODS,
    DEFAULT_TIMEOUT_S,
    DEFAULT_USER,
    MAX_TIMEOUT_S,
    ConnectionSettings,
    default_port,
)
from nanostudio.secret import REMOTE_PASSWORD_ENV
from nanostudio.vm.pins import with_vm_pin

PASSWORD_ENV = REMOTE_PASSWORD_ENV
PASSWORD_SOURCES = f"Password: {PASSWORD_ENV}, a remembered one, or a prompt."
T = TypeVar("T")


def add_remote_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    usage: str | None = None,
) -> argparse.ArgumentParser:
    """The parser of a command that connects to a Nano Server: HOST and the
    connection options, and where the password comes from."""
    parser = subparsers.add_parser(name, help=summary, description=PASSWORD_SOURCES, usage=usage)
    add_connection_arguments(parser)
    return parser


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help="name or IP address of the Nano Server VM")
    parser.add_argument("--user", default=DEFAULT_USER, help="user name (default: %(default)s)")
    parser.add_argument(
        "--port", type=_port, help="WinRM port (default: 5985, or 5986 with --https)"
    )
    parser.add_argument("--https", action="store_true", help="use HTTPS (WinRM over TLS)")
    parser.add_argument(
        "--auth", choices=AUTH_METHODS, default="ntlm", help="authentication (default: ntlm)"
    )
    parser.add_argument(
        "--timeout", type=_timeout, default=DEFAULT_TIMEOUT_S, help="seconds to wait for an answer"
    )
    parser.add_argument(
        "--trust-thumbprint",
        metavar="SHA256",
        help="pin this SHA-256 certificate thumbprint for the host (HTTPS)",
    )


def _port(text: str) -> int:
    """``--port``: 1-65535 (0 used to mean the default without saying so)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (1-65535)")
    return port


def _timeout(text: str) -> float:
    """``--timeout``: a finite number of seconds above 0 (not nan, not inf)."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"{text} is not a usable timeout: give seconds between 0 and {MAX_TIMEOUT_S:g}"
        )
    return seconds


def settings_from_args(args: argparse.Namespace) -> ConnectionSettings:
    settings = ConnectionSettings(
        host=args.host,
        port=args.port if args.port is not None else default_port(args.https),
        https=bool(args.https),
        auth=args.auth,
        user=args.user,
        timeout_s=float(args.timeout),
    )
    settings.check()
    return with_vm_pin(settings)  # a NanoStudio VM's forwarded HTTPS port: its built pin


def connection_from_args(args: argparse.Namespace) -> tuple[ConnectionSettings, str]:
    """What both commands do before connecting: checked settings, the ``--trust-thumbprint``
    pin stored, the password found."""
    settings = settings_from_args(args)
    apply_trusted_thumbprint(settings, args.trust_thumbprint)
    return settings, resolve_password(settings)


def apply_trusted_thumbprint(settings: ConnectionSettings, thumbprint: str | None) -> None:
    """``--trust-thumbprint``: the user states the pin explicitly (checked, then stored)."""
    if not thumbprint:
        return
    if not settings.https:
        raise SettingsError("--trust-thumbprint only applies to HTTPS connections (add --https).")
    try:
        value = normalise_thumbprint(thumbprint)
    except ValueError as error:
        raise SettingsError(str(error)) from error
    PinStore().trust(settings.host, settings.port, value)


def resolve_password(
    settings: ConnectionSettings,
    environ: Mapping[str, str] | None = None,
    ask: Callable[[str], str] = getpass.getpass,
) -> str:
    """``NANOSTUDIO_REMOTE_PASSWORD``, else a remembered one (keyring), else a prompt."""
    env = os.environ if environ is None else environ
    password = env.get(PASSWORD_ENV)
    if password:
        return password
    remembered = PasswordVault().get(settings)
    if remembered:
        return remembered
    if ask is getpass.getpass and not sys.stdin.isatty():
        raise SettingsError(f"no password: set {PASSWORD_ENV}, or run in a terminal to be asked")
    try:
        return ask(f"Password for {settings.user}@{settings.host}: ")
    except EOFError:
        raise SettingsError(
            f"no password: set {PASSWORD_ENV}, or run in a terminal to be asked"
        ) from None


def with_certificate_trust(
    settings: ConnectionSettings,
    action: Callable[[], T],
    stdin: TextIO = sys.stdin,
    stderr: TextIO = sys.stderr,
) -> T:
    """Run ``action``; on an unknown certificate ask once (terminal only) and retry pinned."""
    try:
        return action()
    except CertificateUnknownError as unknown:
        if not stdin.isatty():
            raise
        print(
            f"The certificate of {unknown.host}:{unknown.port} is not trusted yet.\n"
            f"  subject: {unknown.subject}\n"
            f"  SHA-256: {format_thumbprint(unknown.sha256)}\n"
            "Compare it with the thumbprint on the server "
            "(Get-ChildItem Cert:\\LocalMachine\\My).",
            file=stderr,
        )
        stderr.write("Trust and pin this certificate? [y/N] ")
        stderr.flush()
        if stdin.readline().strip().lower() not in ("y", "yes"):
            raise
        PinStore().trust(unknown.host, unknown.port, unknown.sha256, unknown.subject)
        return action()


def connect(settings: ConnectionSettings, password: str, action: Callable[[], T]) -> T:
    """Run ``action`` (the session's first contact) with the terminal's certificate trust
    step; a remote failure is diagnosed layer by layer before it is raised."""
    try:
        return with_certificate_trust(settings, action)
    except RemoteError as error:
        raise diagnose_failure(settings, password, error) from error


def diagnose_failure(
    settings: ConnectionSettings, password: str, error: RemoteError, stderr: TextIO | None = None
) -> RemoteError:
    """A failed ``exec``/``console``: walk the connection's layers once, show which hold,
    and return the error to raise, naming the layer that does not (the doctor's words).

    Wrong passwords, certificates and settings are already plain: they pass unchanged.
    """
    from nanostudio.remote.doctor import ConnectionDoctor

    if isinstance(
        error,
        SettingsError | BadCredentialsError | CertificateUnknownError | CertificateChangedError,
    ):
        return error
    events: list[str] = []
    doctor = ConnectionDoctor(
        settings, password, sink=lambda event: events.append(str(event)), pins=PinStore()
    )
    diagnosis = doctor.walk_once()
    if diagnosis.ok:
        return error  # it works now: the original failure is the news
    for line in events:
        print(line, file=stderr or sys.stderr)
    return RemoteError(str(diagnosis))
