"""Issue 16 item 5, the forwarded port: the WinRM HTTPS pin follows the disk into the
VM NanoStudio starts, so 127.0.0.1:<forwarded port> is verified against the built
certificate with no trust question, and another certificate is refused in one line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.content import winrm_https
from nanostudio.recipe import NetworkSpec, OutputSpec, Recipe, SystemSpec
from nanostudio.recipe.model import Target
from nanostudio.remote.disk_pins import DiskPins
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.vm import qemu
from nanostudio.vm.model import Hypervisor, VmRecord, VmSpec
from nanostudio.vm.network import NatPlan
from nanostudio.vm.pins import https_settings, with_disk_pin, with_vm_pin
from nanostudio.vm.store import VmStore
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM

RECIPE = Recipe(
    system=SystemSpec("NANO1"),
    network=NetworkSpec(winrm_https=True),
)


def _record(tmp_path: Path, https_port: int | None, pin: str | None) -> VmRecord:
    return VmRecord(
        name="NANO1",
        hypervisor=Hypervisor.QEMU,
        disk=tmp_path / "nano.vhdx",
        target=Target.KVM,
        folder=tmp_path / "vm",
        host="127.0.0.1",
        port=55985,
        created="2026-01-01T00:00:00+00:00",
        https_pin=pin,
        https_port=https_port,
    )


def test_the_build_records_the_pin_for_its_disk(tmp_path: Path) -> None:
    disk = tmp_path / "out" / "nano.vhdx"
    recipe = replace(RECIPE, output=OutputSpec(disk))
    pins = DiskPins(tmp_path / "disk-pins.json")
    made = winrm_https.write_files(recipe, tmp_path / "image", PinStore(tmp_path / "p"), pins)
    assert made is not None and pins.get(disk) == made.sha256
    spec = with_disk_pin(VmSpec("NANO1", disk, Target.KVM), pins)
    assert spec.https_pin == made.sha256
    other = VmSpec("X", tmp_path / "other.vhdx", Target.KVM)
    assert with_disk_pin(other, pins).https_pin is None


def test_qemu_forwards_a_second_port_to_the_https_listener() -> None:
    argv = qemu.qemu_argv(
        qemu="qemu", name="N", disk=Path("/d.vhdx"), firmware_code=Path("/c"),
        firmware_vars=Path("/v"), serial_log=Path("/s"), host_port=55985,
        nat=NatPlan(None, None, None, None), kvm=False, https_port=55986,
    )  # fmt: skip
    netdev = argv[argv.index("-netdev") + 1]
    assert netdev == (
        "user,id=net0,hostfwd=tcp:127.0.0.1:55985-:5985,hostfwd=tcp:127.0.0.1:55986-:5986"
    )


def test_busy_forwarded_ports_move_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = _record(tmp_path, 55985, "ab" * 32)  # the same port twice: never kept
    moved = qemu._free_ports(record)
    assert moved.https_port not in (None, moved.port)
    again = qemu._free_ports(moved, moved=True)
    assert again.https_port != again.port


def test_the_record_keeps_its_pin_and_port(tmp_path: Path) -> None:
    store = VmStore(tmp_path / "vms.json")
    store.put(_record(tmp_path, 55986, "ab" * 32))
    back = store.require("NANO1")
    assert (back.https_port, back.https_pin) == (55986, "ab" * 32)
    settings = https_settings(back)
    assert settings is not None and settings.https and settings.cert_pin_sha256 == "ab" * 32
    typed = ConnectionSettings(host="127.0.0.1", port=55986, https=True)
    assert with_vm_pin(typed, store).cert_pin_sha256 == "ab" * 32
    assert with_vm_pin(typed.replace(port=1234), store).cert_pin_sha256 is None
    assert with_vm_pin(typed.replace(https=False), store).cert_pin_sha256 is None


def _serve_built_certificate() -> tuple[winrm_https.WinRMCertificate, LoopbackWinRM]:
    made = winrm_https.make_certificate(winrm_https.server_names(RECIPE))
    return made, LoopbackWinRM(tls=True, pfx=(made.pfx, made.password.reveal().encode()))


def test_exec_to_the_vms_forwarded_port_is_verified_without_a_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made, server = _serve_built_certificate()
    monkeypatch.setenv("NANOSTUDIO_REMOTE_PASSWORD", ADMIN_PASSWORD)
    with server:
        # As `nanostudio run` leaves it: a VM record with the disk's pin and its port.
        VmStore().put(replace(_record(tmp_path, server.port, made.sha256), host=server.host))
        argv = ["exec", server.host, "--https", "--port", str(server.port), "--auth", "basic"]
        assert main([*argv, "--user", ADMIN_USER, "--", "hostname"]) == 0
        captured = capsys.readouterr()
        assert captured.out.strip() == "NANO1" and "trust" not in captured.err.lower()
        assert PinStore().get(server.host, server.port) is None  # nothing trusted on first use
        server.replace_certificate()  # another certificate at that address: refused
        assert main([*argv, "--user", ADMIN_USER, "--", "hostname"]) != 0
    err = capsys.readouterr().err
    assert "CHANGED" in err and "Traceback" not in err
    assert PinStore().get(server.host, server.port) is None


def _vm_https(tmp_path: Path, server: LoopbackWinRM, pin: str) -> ConnectionSettings:
    """What the VM's record gives a connection to its forwarded HTTPS port."""
    record = replace(_record(tmp_path, server.port, pin), host=server.host)
    settings = https_settings(record, ADMIN_USER)
    assert settings is not None
    return settings.replace(auth="basic", timeout_s=5)


def test_the_doctor_and_console_session_use_the_vm_pin(tmp_path: Path) -> None:
    from nanostudio.remote.probe import test_connection as probe
    from nanostudio.remote.psrp_session import PsrpSession

    made, server = _serve_built_certificate()
    with server:
        settings = _vm_https(tmp_path, server, made.sha256)
        assert probe(settings, ADMIN_PASSWORD, PinStore()).hostname == "NANO1"
        session = PsrpSession(settings, ADMIN_PASSWORD, pins=PinStore())
        session.open()  # CertificateUnknownError if a trust question were needed
        session.close()


def test_the_gui_connect_dialog_carries_the_vm_pin_but_never_saves_it(
    tmp_path: Path, qtbot: object
) -> None:
    from nanostudio.gui.console.connect_dialog import ConnectDialog

    VmStore().put(_record(tmp_path, 55986, "cd" * 32))
    dialog = ConnectDialog(ConnectionSettings(host="127.0.0.1", port=55986, https=True))
    assert dialog.settings().cert_pin_sha256 == "cd" * 32
    assert dialog._typed_settings().cert_pin_sha256 is None  # what Saved connections keep
    dialog.port_spin.setValue(5986)
    assert dialog.settings().cert_pin_sha256 is None
    dialog.close()


def test_verify_checks_the_https_listener_against_the_built_certificate(tmp_path: Path) -> None:
    from nanostudio.cli.verify_cmd import https_check

    made, server = _serve_built_certificate()
    with server:
        settings = _vm_https(tmp_path, server, made.sha256)
        passed = https_check(settings, ADMIN_PASSWORD)
        assert passed.passed and "answered as NANO1" in passed.message
        server.replace_certificate()
        failed = https_check(settings, ADMIN_PASSWORD)
    assert not failed.passed and "CHANGED" in failed.message
