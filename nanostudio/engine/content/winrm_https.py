"""WinRM over HTTPS, trusted from the first connection (issue 16 item 5).

At build time NanoStudio makes an RSA key and a self-signed server certificate for
the computer name and the recipe's static addresses, and puts three files into the
image for first boot only (``WINRM_FILES``): the PFX, its random password and the
certificate's SHA-1 thumbprint (what WinRM's listener is given). SetupComplete.cmd
imports the PFX into LocalMachine\\My, creates the HTTPS listener on 5986 and its
firewall rule, then deletes all three files (setupcomplete._winrm_https). The
certificate's SHA-256 is pinned in NanoStudio's pin store for every name the server
answers to, before the VM ever starts, so the first connection is verified without
a trust-on-first-use prompt. The private key is written only into the image (and the
build's private 0700 work folder, removed after the build): it is not kept on this
machine at all.

Sources and what stays unverified:
- ``certoc.exe -ImportPFX -p <password> My <file.pfx>`` is Microsoft's documented way
  to import a PFX on Nano Server 2016 (IIS-on-Nano-Server.md, "import the certificate
  to the My store"); Import-PfxCertificate (PKI module) is not documented on Nano.
- The listener: ``winrm create winrm/config/Listener?Address=*+Transport=HTTPS
  @{Hostname=...;CertificateThumbprint=...}`` is the usual command, but winrm.cmd is a
  VBScript run by cscript, and Windows Script Host on Nano is not documented
  (unverified); the WSMan provider's ``New-Item -Path WSMan:\\localhost\\Listener
  -Transport HTTPS -Address * -CertificateThumbPrint <sha1> -HostName <name>`` is
  used instead. That the WSMan: drive works on Nano's PowerShell Core is **unverified**
  (PowerShell remoting is on by default there, PowerShell-on-Nano-Server.md).
- Windows Server 2016 reads PKCS#12 files encrypted with 3DES and a SHA-1 MAC; AES
  (PBES2) PFX files are read only from Windows 10 1709 / Server 2019 on (reported), so
  the PFX uses the legacy ``PBESv1SHA1And3KeyTripleDESCBC``. It only has to protect
  the key for the minutes between build and first boot; the password is random and
  deleted with the PFX.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import ipaddress
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from nanostudio.recipe import Recipe
from nanostudio.remote.disk_pins import DiskPins
from nanostudio.remote.pinning import PinStore
from nanostudio.secret import Secret

HTTPS_PORT = 5986
FRIENDLY_NAME = "NanoStudio WinRM HTTPS"
_SCRIPTS = PurePosixPath("Windows/Setup/Scripts")
PFX_PATH = _SCRIPTS / "NanoStudio-WinRM.pfx"
PASSWORD_PATH = _SCRIPTS / "NanoStudio-WinRM.pfx.txt"
THUMBPRINT_PATH = _SCRIPTS / "NanoStudio-WinRM.thumbprint.txt"
WINRM_FILES = (PFX_PATH, PASSWORD_PATH, THUMBPRINT_PATH)
VALID_DAYS = 5 * 365
# What a TLS server's RSA key does (RFC 5280 4.2.1.3): sign the handshake, decrypt the
# key exchange. New-SelfSignedCertificate's -KeyUsage defaults to the same two
# (DigitalSignature, KeyEncipherment: its learn.microsoft.com reference). Nothing else.
SERVER_KEY_USES = frozenset({"digital_signature", "key_encipherment"})


@dataclass(frozen=True)
class WinRMCertificate:
    """The certificate (public), and the PFX with its password (for the image only)."""

    der: bytes
    pfx: bytes
    password: Secret

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def sha1(self) -> str:
        """Windows' thumbprint, as WinRM's listener names the certificate."""
        return hashlib.sha1(self.der).hexdigest().upper()

    @property
    def subject(self) -> str:
        return x509.load_der_x509_certificate(self.der).subject.rfc4514_string()

    def image_files(self) -> list[tuple[PurePosixPath, bytes]]:
        """What goes into the image for first boot (and is deleted by it)."""
        return [
            (PFX_PATH, self.pfx),
            (PASSWORD_PATH, self.password.reveal().encode("ascii")),
            (THUMBPRINT_PATH, self.sha1.encode("ascii")),
        ]


def server_names(recipe: Recipe) -> list[str]:
    """Every name the server answers to: its computer name and its static addresses."""
    names = [recipe.system.computer_name]
    if recipe.network.ipv4:
        names.append(str(ipaddress.IPv4Interface(recipe.network.ipv4).ip))
    if recipe.network.ipv6:
        names.append(str(ipaddress.IPv6Address(recipe.network.ipv6.strip())))
    return names


def _key_usage(allowed: frozenset[str]) -> x509.KeyUsage:
    """KeyUsage with only ``allowed`` set: cryptography takes every bit by name, and any
    it knows that is not named here is off."""
    bits = inspect.signature(x509.KeyUsage).parameters
    unknown = allowed - bits.keys()
    if unknown:
        raise ValueError(f"no such key usage: {sorted(unknown)}")
    return x509.KeyUsage(**{bit: bit in allowed for bit in bits})


def make_certificate(
    names: Iterable[str], *, now: datetime.datetime | None = None
) -> WinRMCertificate:
    """A new RSA-2048 key and a self-signed serverAuth certificate for ``names`` (the
    first is the common name; addresses go into the SAN as IP addresses)."""
    wanted = list(dict.fromkeys(names))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, wanted[0])])
    alternatives: list[x509.GeneralName] = []
    for name in wanted:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    start = (now or datetime.datetime.now(datetime.UTC)) - datetime.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(SERVER_KEY_USES), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    # Letters and digits only: the password goes through cmd's `set /p` and certoc -p.
    password = Secret("".join(secrets.choice(_ALPHABET) for _ in range(32)))
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.reveal().encode("ascii"))
    )
    pfx = pkcs12.serialize_key_and_certificates(
        FRIENDLY_NAME.encode("ascii"), key, certificate, None, encryption
    )
    return WinRMCertificate(certificate.public_bytes(serialization.Encoding.DER), pfx, password)


_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def describe_files(recipe: Recipe, where: Callable[[PurePosixPath], str]) -> list[str]:
    """The plan's line for the certificate files (nothing random in it)."""
    if not recipe.network.winrm_https:
        return []
    names = ", ".join(server_names(recipe))
    return [
        f"make an RSA-2048 key and a self-signed certificate for {names}; write "
        f"{where(PFX_PATH)} (3DES PFX, random password in {PASSWORD_PATH.name}) and its "
        f"SHA-1 in {THUMBPRINT_PATH.name}, each owner-only, for first boot only",
        f"pin the certificate's SHA-256 for {names} (port {HTTPS_PORT}) in NanoStudio's "
        "certificate pins",
    ]


def write_files(
    recipe: Recipe, root: Path, store: PinStore | None = None, disks: DiskPins | None = None
) -> WinRMCertificate | None:
    """Make the certificate, write its files under ``root`` (the image's root) with
    owner-only permissions, and pin it for its names and for the disk being built (the
    pin a VM of that disk reached through a forwarded port uses: remote/disk_pins.py);
    None when the recipe does not ask for HTTPS."""
    if not recipe.network.winrm_https:
        return None
    names = server_names(recipe)
    certificate = make_certificate(names)
    for image_path, data in certificate.image_files():
        dest = root.joinpath(*image_path.parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
    pin(certificate, names, store)
    (disks if disks is not None else DiskPins()).record(recipe.output.path, certificate.sha256)
    return certificate


def pin(
    certificate: WinRMCertificate,
    names: Iterable[str],
    store: PinStore | None = None,
    port: int = HTTPS_PORT,
) -> list[str]:
    """Pin the certificate's SHA-256 for every ``name:port``; the names pinned."""
    pins = store if store is not None else PinStore()
    pinned = []
    for name in dict.fromkeys(names):
        pins.trust(name, port, certificate.sha256, certificate.subject)
        pinned.append(f"{name}:{port}")
    return pinned
