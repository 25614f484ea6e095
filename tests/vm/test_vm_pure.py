"""The QEMU command line, NAT plans, device matching and the remembered-VM file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from nanostudio.engine.drivers.devices import E1000, ICH9_AHCI
from nanostudio.recipe.model import Target
from nanostudio.vm.devices import check_devices, missing_drivers, presented_devices
from nanostudio.vm.model import GuestNetwork, Hypervisor, VmError, VmRecord, VmSpec, hypervisor_for
from nanostudio.vm.network import NatPlan, free_port, host_address_for, nat_plan, port_is_free
from nanostudio.vm.qemu import explain_failure, find_ovmf, qemu_argv
from nanostudio.vm.store import VmStore


def test_qemu_argv_matches_the_kvm_targets_devices_and_forwards_winrm() -> None:
    argv = qemu_argv(
        qemu="qemu-system-x86_64",
        name="NANO1",
        disk=Path("/d/nano.vhdx"),
        firmware_code=Path("/fw/CODE.fd"),
        firmware_vars=Path("/vm/VARS.fd"),
        host_port=55985,
        nat=NatPlan(None, None, None, None),
        serial_log=Path("/vm/serial.log"),
        kvm=False,
        qmp_socket=Path("/vm/qmp.sock"),
    )
    assert argv == [
        "qemu-system-x86_64", "-name", "NANO1",
        "-machine", "q35,accel=tcg", "-cpu", "max", "-m", "1024", "-smp", "2",
        "-rtc", "base=localtime",
        "-drive", "if=pflash,format=raw,readonly=on,file=/fw/CODE.fd",
        "-drive", "if=pflash,format=raw,file=/vm/VARS.fd",
        "-drive", "file=/d/nano.vhdx,format=vhdx,if=none,id=disk0",
        "-device", "ich9-ahci,id=ahci",
        "-device", "ide-hd,drive=disk0,bus=ahci.0,bootindex=0",
        "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:55985-:5985",
        "-device", "e1000,netdev=net0",
        "-display", "none", "-monitor", "none", "-serial", "file:/vm/serial.log",
        "-qmp", "unix:/vm/qmp.sock,server=on,wait=off",
    ]  # fmt: skip
    assert presented_devices(Hypervisor.QEMU, Target.KVM) == (ICH9_AHCI, E1000)


def test_qemu_argv_kvm_vhd_snapshot_and_static_address() -> None:
    nat = nat_plan(GuestNetwork("192.168.56.10/24", "192.168.56.1"))
    argv = qemu_argv(
        qemu="q",
        name="N",
        disk=Path("/d/n.vhd"),
        firmware_code=Path("/c"),
        firmware_vars=Path("/v"),
        host_port=1234,
        nat=nat,
        serial_log=Path("/s"),
        kvm=True,
        snapshot=True,
    )
    assert argv[argv.index("-machine") + 1] == "q35,accel=kvm"
    assert argv[argv.index("-cpu") + 1] == "host"
    assert "file=/d/n.vhd,format=vpc,if=none,id=disk0,snapshot=on" in argv
    assert (
        "user,id=net0,net=192.168.56.0/24,host=192.168.56.1,dns=192.168.56.2,"
        "hostfwd=tcp:127.0.0.1:1234-192.168.56.10:5985"
    ) in argv


def test_nat_plan_never_takes_the_static_address() -> None:
    plan = nat_plan(GuestNetwork("10.9.0.1/24", "10.9.0.1"))  # gateway = own address
    assert plan.host == "10.9.0.2" and plan.dns == "10.9.0.3" and plan.guest == "10.9.0.1"
    assert nat_plan(GuestNetwork()) == NatPlan(None, None, None, None)
    with pytest.raises(VmError, match="too small"):
        nat_plan(GuestNetwork("10.0.0.5/30"))


def test_devices_refuse_a_disk_without_drivers_for_the_hypervisor() -> None:
    assert missing_drivers(Hypervisor.QEMU, Target.KVM) == []
    assert missing_drivers(Hypervisor.QEMU, Target.VIRTUALBOX) == []  # AHCI class + e1000
    assert missing_drivers(Hypervisor.VIRTUALBOX, Target.KVM) == []
    assert missing_drivers(Hypervisor.HYPERV, Target.HYPERV_GEN2) == []
    with pytest.raises(VmError, match=r"built for Hyper-V \(Generation 2\).*PRO/1000"):
        check_devices(Hypervisor.QEMU, Target.HYPERV_GEN2)
    with pytest.raises(VmError, match="VMware"):
        check_devices(Hypervisor.QEMU, Target.VMWARE)
    assert hypervisor_for(Target.KVM) is Hypervisor.QEMU
    assert hypervisor_for(Target.VIRTUALBOX) is Hypervisor.VIRTUALBOX
    assert hypervisor_for(Target.HYPERV_GEN2) is Hypervisor.HYPERV


def test_spec_refuses_a_wim_and_a_missing_disk(tmp_path: Path) -> None:
    with pytest.raises(VmError, match="WIM"):
        VmSpec("N", tmp_path / "x.wim", Target.KVM).check_disk()
    with pytest.raises(VmError, match="build the disk first"):
        VmSpec("N", tmp_path / "x.vhdx", Target.KVM).check_disk()


def test_qemu_failures_in_plain_words() -> None:
    disk = Path("/d/nano.vhdx")
    assert "already in use" in explain_failure(
        "qemu-system-x86_64: -netdev user,...: Could not set up host forwarding rule "
        "'tcp:127.0.0.1:5-:5985'",
        5,
        disk,
    )
    locked = (
        'qemu-system-x86_64: -drive file=/d/nano.vhdx: Failed to get "write" lock\n'
        "Is another process using the image [/d/nano.vhdx]?"
    )
    assert "in use by another VM" in explain_failure(locked, 5, disk)


def test_ports_are_free_and_ovmf_is_found() -> None:
    port = free_port()
    assert port_is_free(port)
    firmware = find_ovmf()
    assert firmware.code.is_file() and firmware.vars_template.is_file()


def _record(tmp_path: Path, name: str) -> VmRecord:
    return VmRecord(
        name=name,
        hypervisor=Hypervisor.QEMU,
        disk=tmp_path / "nano.vhdx",
        target=Target.KVM,
        folder=tmp_path / name,
        host="127.0.0.1",
        port=55985,
        created="2026-12-06T10:00:00+00:00",
        network=GuestNetwork("192.168.56.10/24", "192.168.56.1"),
        files=(tmp_path / name / "serial.log",),
        pid=123,
        pid_started=1.5,
    )


def test_store_remembers_vms_owner_only(tmp_path: Path, isolated_home: Path) -> None:
    store = VmStore()
    assert store.all() == []
    record = _record(tmp_path, "NANO1")
    store.put(record)
    store.put(_record(tmp_path, "NANO2"))
    assert store.get("nano1") == record
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.path.is_relative_to(isolated_home)
    assert store.free_name("NANO1") == "NANO1-2"
    store.remove("NANO1")
    assert [r.name for r in store.all()] == ["NANO2"]
    with pytest.raises(VmError, match="known: NANO2"):
        store.require("NANO9")
    store.path.write_text("{not json")
    assert store.all() == []  # a damaged file is read as empty, never a crash


def test_the_host_takes_the_gateway_or_the_first_other_address() -> None:
    assert host_address_for(GuestNetwork("192.168.56.10/24", "192.168.56.1")) == "192.168.56.1"
    assert host_address_for(GuestNetwork("192.168.56.10/24")) == "192.168.56.1"
    assert host_address_for(GuestNetwork("192.168.56.1/24", "192.168.56.1")) == "192.168.56.2"
    assert host_address_for(GuestNetwork("10.0.0.5/24", "10.0.1.1")) == "10.0.0.1"  # elsewhere
    with pytest.raises(ValueError):
        host_address_for(GuestNetwork())
