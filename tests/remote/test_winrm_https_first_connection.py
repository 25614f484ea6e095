"""Issue 16 item 5: WinRM over HTTPS trusted from the first connection.

The certificate NanoStudio makes at build time is served by the loopback WinRM server
(as the VM would serve it after first boot); the pin written at build time makes the
first probe, ``exec`` and console session verified, with no trust prompt.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from nanostudio.cli.main import main
from nanostudio.engine.content import winrm_https
from nanostudio.engine.content.setupcomplete import render_setupcomplete
from nanostudio.engine.content.staging import StagedContent
from nanostudio.recipe import NetworkSpec, Recipe, SystemSpec
from nanostudio.remote.errors import CertificateChangedError
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import test_connection as probe
from nanostudio.remote.settings import ConnectionSettings
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM

RECIPE = Recipe(
    system=SystemSpec("NANO1"),
    network=NetworkSpec(ipv4="127.0.0.1/8", ipv6="2001:db8::10", winrm_https=True),
)


def test_certificate_names_the_server_and_its_addresses() -> None:
    names = winrm_https.server_names(RECIPE)
    assert names == ["NANO1", "127.0.0.1", "2001:db8::10"]
    made = winrm_https.make_certificate(names)
    cert = x509.load_der_x509_certificate(made.der)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["NANO1"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1",
        "2001:db8::10",
    ]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    # Only what a TLS server's RSA key does, as New-SelfSignedCertificate's default.
    assert (usage.value.digital_signature, usage.value.key_encipherment) == (True, True)
    assert not any(
        (
            usage.value.content_commitment,
            usage.value.data_encipherment,
            usage.value.key_agreement,
            usage.value.key_cert_sign,
            usage.value.crl_sign,
        )
    )
    # The PFX opens with its password only, and holds this certificate and its key.
    password = made.password.reveal()
    assert len(password) == 32 and password.isalnum()
    key, inside, _ = pkcs12.load_key_and_certificates(made.pfx, password.encode())
    assert key is not None and inside is not None and inside == cert
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(made.pfx, b"wrong")
    assert password not in repr(made) and password.encode() not in made.der


def test_files_are_owner_only_and_pinned_before_any_vm(tmp_path: Path) -> None:
    store = PinStore(tmp_path / "pins.json")
    made = winrm_https.write_files(RECIPE, tmp_path / "image", store)
    assert made is not None
    for image_path in winrm_https.WINRM_FILES:
        path = (tmp_path / "image").joinpath(*image_path.parts)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for host in ("NANO1", "127.0.0.1", "2001:db8::10"):
        assert store.get(host, 5986) == made.sha256
    assert winrm_https.write_files(Recipe(), tmp_path / "none", store) is None
    assert not (tmp_path / "none").exists()


def test_setupcomplete_never_holds_the_password_and_deletes_the_pfx() -> None:
    text = render_setupcomplete(RECIPE, StagedContent())
    assert "certoc.exe -ImportPFX" in text and '"%PFXPASS%"' in text
    assert "New-Item -Path WSMan:\\localhost\\Listener -Transport HTTPS" in text
    assert "localport=5986" in text
    delete = text.index("delete the WinRM certificate's PFX and password")
    assert text.index("certoc.exe") < delete < text.index(":finish")
    for image_path in winrm_https.WINRM_FILES:
        assert f'del /f /q "%SystemRoot%\\Setup\\Scripts\\{image_path.name}"' in text
    assert "WSMan" not in render_setupcomplete(Recipe(), StagedContent())


def _served(tmp_path: Path) -> tuple[winrm_https.WinRMCertificate, LoopbackWinRM]:
    made = winrm_https.make_certificate(winrm_https.server_names(RECIPE))
    server = LoopbackWinRM(tls=True, pfx=(made.pfx, made.password.reveal().encode()))
    return made, server


def test_first_connection_is_verified_with_no_prompt(tmp_path: Path) -> None:
    made, server = _served(tmp_path)
    with server:
        assert (server.thumbprint_sha256 or "").lower() == made.sha256
        # What the build does, for the address the VM is reached at (here a forwarded port).
        winrm_https.pin(made, [server.host], PinStore(), port=server.port)
        settings = ConnectionSettings(
            host=server.host,
            port=server.port,
            https=True,
            user=ADMIN_USER,
            auth="basic",
            timeout_s=5,
        )
        # No CertificateUnknownError: the pin made at build time verifies it.
        assert probe(settings, ADMIN_PASSWORD, PinStore()).hostname == "NANO1"
        server.replace_certificate()  # a different certificate is still refused
        with pytest.raises(CertificateChangedError):
            probe(settings, ADMIN_PASSWORD, PinStore())


def test_exec_cli_connects_over_https_without_a_trust_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made, server = _served(tmp_path)
    monkeypatch.setenv("NANOSTUDIO_REMOTE_PASSWORD", ADMIN_PASSWORD)
    with server:
        argv = ["exec", server.host, "--https", "--port", str(server.port), "--auth", "basic"]
        assert main([*argv, "--", "hostname"]) != 0  # not pinned: refused, not trusted
        assert "thumbprint" in capsys.readouterr().err.lower()
        winrm_https.pin(made, [server.host], port=server.port)
        assert main([*argv, "--", "hostname"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "NANO1"
    assert "trust" not in captured.err.lower() and "thumbprint" not in captured.err.lower()


def test_console_session_opens_over_https_with_no_trust_question(tmp_path: Path) -> None:
    """The console's PSRP session: with the build's pin, open() needs no trust answer."""
    from nanostudio.remote.psrp_session import PsrpSession
    from tests.remote.test_loopback_session import run

    made, server = _served(tmp_path)
    with server:
        winrm_https.pin(made, [server.host], port=server.port)
        settings = ConnectionSettings(
            host=server.host,
            port=server.port,
            https=True,
            user=ADMIN_USER,
            auth="basic",
            timeout_s=5,
        )
        session = PsrpSession(settings, ADMIN_PASSWORD, pins=PinStore())
        session.open()  # raises CertificateUnknownError if a prompt would be needed
        try:
            assert run(session, "$env:COMPUTERNAME")[1].lines() == ["NANO1"]
        finally:
            session.close()
