"""A self-signed server certificate made at fixture time, as `New-SelfSignedCertificate` would."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class ServerCertificate:
    """PEM and DER of the certificate, with the thumbprints a user is shown."""

    cert_pem: bytes
    cert_der: bytes
    context: ssl.SSLContext

    @property
    def thumbprint_sha256(self) -> str:
        return hashlib.sha256(self.cert_der).hexdigest().upper()

    @property
    def thumbprint_sha1(self) -> str:
        return hashlib.sha1(self.cert_der).hexdigest().upper()


def make_certificate(hostname: str, address: str, folder: Path) -> ServerCertificate:
    """A new key and certificate for `hostname` and `address`; the key file is 0600."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(hostname),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address(address)),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _serve(key, certificate, folder, "server")


def certificate_from_pfx(pfx: bytes, password: bytes, folder: Path) -> ServerCertificate:
    """Serve the key and certificate of a PKCS#12 file (what NanoStudio puts in an image)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, certificate, _ = pkcs12.load_key_and_certificates(pfx, password)
    assert key is not None and certificate is not None
    return _serve(key, certificate, folder, "pfx")


def _serve(
    key: PrivateKeyTypes, certificate: x509.Certificate, folder: Path, prefix: str
) -> ServerCertificate:
    """A TLS server context for ``key`` and ``certificate``, their files in ``folder``
    (the key file 0600)."""
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    stamp = hashlib.sha1(cert_pem).hexdigest()[:12]
    cert_path = folder / f"{prefix}-{stamp}.pem"
    key_path = folder / f"{prefix}-{stamp}.key"
    cert_path.write_bytes(cert_pem)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return ServerCertificate(
        cert_pem=cert_pem,
        cert_der=certificate.public_bytes(serialization.Encoding.DER),
        context=context,
    )
