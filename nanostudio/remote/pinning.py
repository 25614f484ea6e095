"""HTTPS certificate pinning: fetch a server's certificate, remember its thumbprint per host.

A VM's WinRM HTTPS listener uses a self-signed certificate that no CA vouches for.
Instead of an option that disables validation, the user sees the SHA-256 thumbprint
once, decides to trust it, and every later connection is verified against that pin
(``PinnedAdapter`` in ``transport``); a different certificate is refused.
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from cryptography import x509

from nanostudio.remote.errors import SettingsError
from nanostudio.remote.paths import config_dir, write_private

PINS_FILE = "certificate-pins.json"


@dataclass(frozen=True)
class CertificateInfo:
    """What the trust prompt shows and what the pin store keeps."""

    der: bytes
    sha256: str
    sha1: str
    subject: str
    not_after: str

    @property
    def pem(self) -> str:
        return ssl.DER_cert_to_PEM_cert(self.der)


def describe_certificate(der: bytes) -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    return CertificateInfo(
        der=der,
        sha256=hashlib.sha256(der).hexdigest(),
        sha1=hashlib.sha1(der).hexdigest(),  # Windows shows SHA-1 thumbprints
        subject=cert.subject.rfc4514_string() or "(empty subject)",
        not_after=cert.not_valid_after_utc.strftime("%Y-%m-%d"),
    )


def fetch_certificate(host: str, port: int, timeout_s: float) -> CertificateInfo:
    """Read the server's certificate without trusting it (only to show its thumbprint).

    Raises OSError (refused, timeout) and ssl.SSLError like any socket call; callers
    translate those into plain words.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Deliberately unverified: nothing is sent over this socket; its only output is the
    # certificate, which the user then compares and pins (or not).
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=timeout_s) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError(f"{host}:{port} sent no certificate")
    return describe_certificate(der)


def normalise_thumbprint(value: str) -> str:
    clean = value.replace(":", "").replace(" ", "").lower()
    if len(clean) != 64 or any(c not in "0123456789abcdef" for c in clean):
        raise ValueError(f"{value!r} is not a SHA-256 thumbprint (64 hex digits)")
    return clean


class PinFile:
    """A JSON table of SHA-256 pins by key, kept owner-only in the config folder and read
    afresh at each use (another NanoStudio process may have pinned since)."""

    file_name: ClassVar[str]
    what: ClassVar[str]  # the table in words, for the error a damaged file gets
    remedy: ClassVar[str]  # besides repairing the file

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / self.file_name

    def _load(self) -> dict[str, dict[str, str]]:
        """The table (empty when the file does not exist yet)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            # Not an empty store: that would drop every pin without a word.
            raise SettingsError(
                f"The {self.what} in {self.path} cannot be read ({error}): repair the file, "
                f"or {self.remedy}."
            ) from error
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}

    def _sha256(self, key: str) -> str | None:
        entry = self._load().get(key)
        value = entry.get("sha256") if entry else None
        return value if isinstance(value, str) else None

    def _put(self, key: str, sha256: str, **details: str) -> None:
        pins = self._load()
        pins[key] = {"sha256": normalise_thumbprint(sha256), **details}
        self._save(pins)

    def _remove(self, key: str) -> bool:
        pins = self._load()
        if pins.pop(key, None) is None:
            return False
        self._save(pins)
        return True

    def _save(self, pins: dict[str, dict[str, str]]) -> None:
        write_private(self.path, json.dumps(pins, indent=2, sort_keys=True))


class PinStore(PinFile):
    """Pinned SHA-256 thumbprints per ``host:port``, in a JSON file in the config folder."""

    file_name = PINS_FILE
    what = "certificate pins"
    remedy = "delete it and trust each HTTPS host's certificate again"

    def get(self, host: str, port: int) -> str | None:
        return self._sha256(_key(host, port))

    def trust(self, host: str, port: int, sha256: str, subject: str = "") -> None:
        trusted_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._put(_key(host, port), sha256, subject=subject, trusted_at=trusted_at)

    def forget(self, host: str, port: int) -> bool:
        return self._remove(_key(host, port))


def _key(host: str, port: int) -> str:
    return f"{host.lower()}:{port}"
