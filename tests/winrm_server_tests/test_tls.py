"""HTTPS with the generated certificate: validation against its PEM, NTLM with channel
bindings, and a replaced certificate that a client pinned to the old one refuses."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path

import pytest
import requests
import winrm
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM


def _ca_bundle(server: LoopbackWinRM, tmp_path: Path) -> str:
    assert server.cert_pem is not None
    path = tmp_path / "server.pem"
    path.write_bytes(server.cert_pem)
    return str(path)


def test_thumbprints_match_the_served_certificate(winrm_server_tls: LoopbackWinRM) -> None:
    der = ssl.get_server_certificate((winrm_server_tls.host, winrm_server_tls.port)).encode()
    served = x509.load_pem_x509_certificate(der).public_bytes(Encoding.DER)
    assert winrm_server_tls.thumbprint_sha256 == hashlib.sha256(served).hexdigest().upper()
    assert winrm_server_tls.thumbprint_sha1 == hashlib.sha1(served).hexdigest().upper()
    assert winrm_server_tls.endpoint.startswith("https://127.0.0.1:")


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_pywinrm_over_https_validates_against_the_pem(
    winrm_server_tls: LoopbackWinRM, tmp_path: Path, transport: str
) -> None:
    session = winrm.Session(
        winrm_server_tls.endpoint,
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport=transport,
        server_cert_validation="validate",
        ca_trust_path=_ca_bundle(winrm_server_tls, tmp_path),
    )
    result = session.run_cmd("hostname")
    assert (result.status_code, result.std_out) == (0, b"NANO1\r\n")
    soap = [r for r in winrm_server_tls.requests if r.soap is not None]
    assert soap and all(r.tls and not r.encrypted for r in soap)


def test_pypsrp_ntlm_over_https_with_channel_bindings(
    winrm_server_tls: LoopbackWinRM, tmp_path: Path
) -> None:
    wsman = WSMan(
        winrm_server_tls.host,
        port=winrm_server_tls.port,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        ssl=True,
        auth="ntlm",
        # pypsrp passes this to requests' `verify`, so a CA bundle path works (typed as bool)
        cert_validation=_ca_bundle(winrm_server_tls, tmp_path),  # type: ignore[arg-type]
    )
    with wsman, RunspacePool(wsman, max_runspaces=1) as pool:
        ps = PowerShell(pool)
        ps.add_script("hostname")
        assert ps.invoke() == ["NANO1"]


def test_replaced_certificate_is_refused_by_the_old_pin(
    winrm_server_tls: LoopbackWinRM, tmp_path: Path
) -> None:
    old_bundle = _ca_bundle(winrm_server_tls, tmp_path)
    old_thumbprint = winrm_server_tls.thumbprint_sha256
    winrm_server_tls.replace_certificate()
    assert winrm_server_tls.thumbprint_sha256 != old_thumbprint
    session = winrm.Session(
        winrm_server_tls.endpoint,
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport="basic",
        server_cert_validation="validate",
        ca_trust_path=old_bundle,
    )
    with pytest.raises(requests.exceptions.SSLError):
        session.run_cmd("hostname")
    new_bundle = tmp_path / "new.pem"
    assert winrm_server_tls.cert_pem is not None
    new_bundle.write_bytes(winrm_server_tls.cert_pem)
    fresh = winrm.Session(
        winrm_server_tls.endpoint,
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport="basic",
        server_cert_validation="validate",
        ca_trust_path=str(new_bundle),
    )
    assert fresh.run_cmd("hostname").status_code == 0


def test_plain_http_client_cannot_talk_to_https(winrm_server_tls: LoopbackWinRM) -> None:
    session = winrm.Session(
        f"http://{winrm_server_tls.host}:{winrm_server_tls.port}/wsman",
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        transport="basic",
    )
    with pytest.raises(requests.exceptions.ConnectionError):
        session.run_cmd("hostname")
