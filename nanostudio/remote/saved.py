"""Saved connections (a TOML file in the config folder) and opt-in passwords in the OS keyring.

Passwords never touch the file: ``PasswordVault`` stores them with ``keyring`` only when
the user ticks "remember", and forgets them on request.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import tomli_w

from nanostudio import APP_NAME
from nanostudio.remote.paths import config_dir, write_private
from nanostudio.remote.settings import (
    AUTH_METHODS,
    DEFAULT_TIMEOUT_S,
    DEFAULT_USER,
    ConnectionSettings,
    default_port,
)

log = logging.getLogger(__name__)

CONNECTIONS_FILE = "connections.toml"
KEYRING_SERVICE = f"{APP_NAME} WinRM"


def _to_record(settings: ConnectionSettings) -> dict[str, Any]:
    record: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "https": settings.https,
        "auth": settings.auth,
        "user": settings.user,
        "timeout_s": settings.timeout_s,
    }
    if settings.cert_pin_sha256:
        record["cert_pin_sha256"] = settings.cert_pin_sha256
    return record


def _from_record(record: dict[str, Any]) -> ConnectionSettings | None:
    host = record.get("host")
    if not isinstance(host, str) or not host:
        return None
    https = bool(record.get("https", False))
    auth = record.get("auth", "ntlm")
    pin = record.get("cert_pin_sha256")
    try:
        port = int(record.get("port", default_port(https)))
        timeout_s = float(record.get("timeout_s", DEFAULT_TIMEOUT_S))
    except (TypeError, ValueError) as error:  # a hand-edited file: skip, as unreadable ones are
        log.warning("ignoring the saved connection to %s: %s", host, error)
        return None
    return ConnectionSettings(
        host=host,
        port=port,
        https=https,
        auth=auth if auth in AUTH_METHODS else "ntlm",
        user=str(record.get("user", DEFAULT_USER)),
        cert_pin_sha256=pin if isinstance(pin, str) else None,
        timeout_s=timeout_s,
    )


class SavedConnections:
    """The list the connect dialog offers, most recently used first."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / CONNECTIONS_FILE

    def load(self) -> list[ConnectionSettings]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except tomllib.TOMLDecodeError as error:
            log.warning("ignoring unreadable %s: %s", self.path, error)
            return []
        records = data.get("connection", [])
        found = [_from_record(r) for r in records if isinstance(r, dict)]
        return [s for s in found if s is not None]

    def remember(self, settings: ConnectionSettings) -> None:
        """Put ``settings`` first (replacing the same host and port)."""
        others = [s for s in self.load() if s.host_key != settings.host_key]
        self._write([settings, *others])

    def forget(self, settings: ConnectionSettings) -> None:
        self._write([s for s in self.load() if s.host_key != settings.host_key])

    def find(self, host: str, port: int | None = None) -> ConnectionSettings | None:
        for saved in self.load():
            if saved.host.lower() == host.lower() and port in (None, saved.port):
                return saved
        return None

    def _write(self, connections: list[ConnectionSettings]) -> None:
        text = tomli_w.dumps({"connection": [_to_record(s) for s in connections]})
        write_private(self.path, text)


class PasswordVault:
    """Passwords in the OS keyring, keyed by user and endpoint; absent keyring = no memory."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    @staticmethod
    def account(settings: ConnectionSettings) -> str:
        return f"{settings.user}@{settings.host_key}"

    def get(self, settings: ConnectionSettings) -> str | None:
        try:
            value = keyring.get_password(self.service, self.account(settings))
        except keyring.errors.KeyringError as error:
            log.info("keyring unavailable: %s", error)
            return None
        return value if isinstance(value, str) else None

    def store(self, settings: ConnectionSettings, password: str) -> bool:
        """True when saved; False (and a log line) when no keyring backend works here."""
        try:
            keyring.set_password(self.service, self.account(settings), password)
        except keyring.errors.KeyringError as error:
            log.warning("could not store the password in the keyring: %s", error)
            return False
        return True

    def forget(self, settings: ConnectionSettings) -> None:
        try:
            keyring.delete_password(self.service, self.account(settings))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as error:
            log.info("keyring unavailable: %s", error)
