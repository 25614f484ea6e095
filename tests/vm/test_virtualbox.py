"""VirtualBox through a FAKE VBoxManage that replays VirtualBox 7.0's output and errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.recipe.model import Target
from nanostudio.remote.disk_pins import DiskPins
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.vm import tools
from nanostudio.vm.backends import create_and_start
from nanostudio.vm.model import GuestNetwork, VmError, VmSpec, VmState
from nanostudio.vm.pins import https_settings, with_vm_pin
from nanostudio.vm.store import VmStore
from nanostudio.vm.virtualbox import VirtualBoxBackend, parse_hostonlyifs
from tests.vm.conftest import FakeHypervisors

STATIC = GuestNetwork("192.168.56.10/24", "192.168.56.1")


def _yes(asked: list[str]) -> Callable[[str], bool]:
    def consent(question: str) -> bool:
        asked.append(question)
        return True

    return consent


def _disk(tmp_path: Path, name: str = "nano.vhd") -> Path:
    disk = tmp_path / name
    disk.write_bytes(b"conectix")
    return disk


def test_nat_vm_is_created_started_stopped_and_deleted_without_losing_the_disk(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    disk = _disk(tmp_path)
    backend = VirtualBoxBackend()
    result = create_and_start(backend, VmSpec("NANO1", disk, Target.VIRTUALBOX, STATIC))
    record = result.record
    argvs = [c["argv"] for c in fake_hypervisors.calls("vboxmanage")]
    verbs = [a[0] for a in argvs]
    assert verbs[:6] == ["createvm", "modifyvm", "modifyvm", "storagectl", "storageattach",
                         "showvminfo"]  # fmt: skip
    assert argvs[0][:4] == ["createvm", "--name", "NANO1", "--ostype"]
    assert argvs[1][argvs[1].index("--firmware") :][:2] == ["--firmware", "efi"]
    nic = argvs[2]
    assert nic[nic.index("--nictype1") + 1] == "82540EM"
    assert nic[nic.index("--natnet1") + 1] == "192.168.56.0/24"
    assert nic[nic.index("--natpf1") + 1] == f"winrm,tcp,127.0.0.1,{record.port},192.168.56.10,5985"
    assert argvs[3][argvs[3].index("--controller") + 1] == "IntelAhci"
    assert argvs[4][argvs[4].index("--medium") + 1] == str(disk)
    assert argvs[-1] == ["startvm", "NANO1", "--type", "headless"]
    assert (record.host, backend.status(record)) == ("127.0.0.1", VmState.RUNNING)
    assert VmStore().get("NANO1") == record

    backend.stop(record, graceful_s=0)
    assert backend.status(record) is VmState.STOPPED
    backend.delete(record)
    assert backend.status(record) is VmState.MISSING
    last = [c["argv"] for c in fake_hypervisors.calls("vboxmanage")][-4:]
    assert last[0][-2:] == ["--medium", "none"]  # detached before --delete
    assert last[1] == ["closemedium", "disk", str(disk)]
    assert fake_hypervisors.state("vbox").get("deleted_media", []) == []
    assert disk.exists()


def test_name_taken_in_virtualbox(fake_hypervisors: FakeHypervisors, tmp_path: Path) -> None:
    fake_hypervisors.set_state(
        "vbox", {"vms": {"NANO1": {"state": "poweroff", "settings": "x", "modify": {},
                                   "disk": None}}, "hostonlyifs": []}
    )  # fmt: skip
    with pytest.raises(VmError, match="VirtualBox already has a VM named 'NANO1'"):
        VirtualBoxBackend().create(VmSpec("NANO1", _disk(tmp_path), Target.VIRTUALBOX))
    assert list(fake_hypervisors.state("vbox")["vms"]) == ["NANO1"]  # theirs, untouched


def test_vhdx_and_nat_reserved_address_are_refused(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    with pytest.raises(VmError, match="cannot write to a VHDX"):
        VirtualBoxBackend().create(VmSpec("N", _disk(tmp_path, "n.vhdx"), Target.VIRTUALBOX))
    with pytest.raises(VmError, match=r"keeps 10\.0\.5\.2"):
        VirtualBoxBackend().create(
            VmSpec("N", _disk(tmp_path), Target.VIRTUALBOX, GuestNetwork("10.0.5.2/24"))
        )
    assert fake_hypervisors.calls("vboxmanage") == []


def test_no_host_only_network_without_consent(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    spec = VmSpec("NANO1", _disk(tmp_path), Target.VIRTUALBOX, STATIC)
    with pytest.raises(VmError, match=r"no host-only network in 192.168.56.0/24"):
        VirtualBoxBackend(network="hostonly", consent=lambda q: False).create(spec)
    assert fake_hypervisors.state("vbox")["hostonlyifs"] == []


def test_host_only_network_created_with_consent(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    asked: list[str] = []
    backend = VirtualBoxBackend(network="hostonly", consent=_yes(asked))
    record = backend.create(VmSpec("NANO1", _disk(tmp_path), Target.VIRTUALBOX, STATIC))
    assert "Create one (the host gets 192.168.56.1)" in asked[0]
    assert fake_hypervisors.state("vbox")["hostonlyifs"] == [
        {"name": "vboxnet0", "ip": "192.168.56.1", "netmask": "255.255.255.0"}
    ]
    assert (record.host, record.port) == ("192.168.56.10", 5985)
    backend.start(record)
    assert backend.status(record) is VmState.RUNNING


def test_missing_host_only_interface_at_start(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    fake_hypervisors.set_state(
        "vbox",
        {"vms": {}, "hostonlyifs": [{"name": "vboxnet3", "ip": "192.168.56.1",
                                     "netmask": "255.255.255.0"}]},
    )  # fmt: skip
    backend = VirtualBoxBackend(network="hostonly")
    record = backend.create(VmSpec("NANO1", _disk(tmp_path), Target.VIRTUALBOX, STATIC))
    state = fake_hypervisors.state("vbox")
    state["hostonlyifs"] = []  # removed in VirtualBox meanwhile
    fake_hypervisors.set_state("vbox", state)
    with pytest.raises(VmError, match="host-only network named for this VM does not exist"):
        backend.start(record)


def test_start_failure_undoes_the_vm(fake_hypervisors: FakeHypervisors, tmp_path: Path) -> None:
    fake_hypervisors.fail("vboxmanage|startvm|vt-x")
    with pytest.raises(VmError, match="VT-x/AMD-V"):
        create_and_start(VirtualBoxBackend(), VmSpec("NANO1", _disk(tmp_path), Target.VIRTUALBOX))
    assert fake_hypervisors.state("vbox")["vms"] == {}
    assert VmStore().all() == []


def test_hostonlyifs_parser() -> None:
    text = (
        "Name:            vboxnet0\nGUID:            786f6276-656e-4074-8000-0a0027000000\n"
        "DHCP:            Disabled\nIPAddress:       192.168.56.1\n"
        "NetworkMask:     255.255.255.0\n\n"
    )
    (interface,) = parse_hostonlyifs(text)
    assert (interface.name, str(interface.network)) == ("vboxnet0", "192.168.56.0/24")


PIN = "ab" * 32


def _rules(name: str = "NANO1") -> list[str]:
    """The forwarding rules VirtualBox reports: ``Forwarding(N)="..."`` lines of
    ``showvminfo --machinereadable``."""
    shown = tools.run(["VBoxManage", "showvminfo", name, "--machinereadable"])
    assert shown.ok, shown.message
    return re.findall(r'^Forwarding\(\d+\)="([^"]*)"$', shown.stdout, re.M)


def test_a_pinned_disk_gets_a_second_nat_rule_to_the_https_listener(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    disk = _disk(tmp_path)
    DiskPins().record(disk, PIN)  # as the build of a disk with winrm_https does
    record = create_and_start(
        VirtualBoxBackend(), VmSpec("NANO1", disk, Target.VIRTUALBOX, STATIC)
    ).record
    assert record.https_pin == PIN and record.https_port not in (None, record.port)
    modify = [c["argv"] for c in fake_hypervisors.calls("vboxmanage") if c["argv"][0] == "modifyvm"]
    assert modify[-1] == [
        "modifyvm", "NANO1", "--natpf1",
        f"winrm-https,tcp,127.0.0.1,{record.https_port},192.168.56.10,5986",
    ]  # fmt: skip
    assert _rules() == [
        f"winrm,tcp,127.0.0.1,{record.port},192.168.56.10,5985",
        f"winrm-https,tcp,127.0.0.1,{record.https_port},192.168.56.10,5986",
    ]
    stored = VmStore().require("NANO1")
    assert (stored.https_port, stored.https_pin) == (record.https_port, PIN)
    # console / exec / the Connect dialog: the forwarded address carries the pin ...
    typed = ConnectionSettings(host="127.0.0.1", port=record.https_port or 0, https=True)
    assert with_vm_pin(typed).cert_pin_sha256 == PIN
    # ... and verify checks the listener there against it.
    settings = https_settings(stored)
    assert settings is not None
    assert (settings.host, settings.port, settings.cert_pin_sha256) == (
        "127.0.0.1", record.https_port, PIN,
    )  # fmt: skip


def test_without_a_pin_or_on_host_only_there_is_no_https_rule(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    plain = create_and_start(
        VirtualBoxBackend(), VmSpec("PLAIN", _disk(tmp_path), Target.VIRTUALBOX)
    ).record
    assert (plain.https_port, plain.https_pin) == (None, None)
    assert _rules("PLAIN") == [f"winrm,tcp,127.0.0.1,{plain.port},,5985"]

    disk = _disk(tmp_path, "pinned.vhd")
    DiskPins().record(disk, PIN)
    fake_hypervisors.set_state(
        "vbox",
        {**fake_hypervisors.state("vbox"),
         "hostonlyifs": [{"name": "vboxnet0", "ip": "192.168.56.1", "netmask": "255.255.255.0"}]},
    )  # fmt: skip
    backend = VirtualBoxBackend(network="hostonly")
    direct = create_and_start(backend, VmSpec("DIRECT", disk, Target.VIRTUALBOX, STATIC)).record
    # The build's own pins name the static address on 5986: no forwarded port to pin.
    assert (direct.host, direct.https_port, direct.https_pin) == ("192.168.56.10", None, None)
    assert _rules("DIRECT") == []


def test_the_fake_refuses_a_second_rule_of_one_name_or_port_as_virtualbox_does(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    record = create_and_start(
        VirtualBoxBackend(), VmSpec("NANO1", _disk(tmp_path), Target.VIRTUALBOX)
    ).record
    same_name = tools.run(["VBoxManage", "modifyvm", "NANO1", "--natpf1",
                           "winrm,tcp,127.0.0.1,1,,5985"])  # fmt: skip
    same_port = tools.run(["VBoxManage", "modifyvm", "NANO1", "--natpf1",
                           f"other,tcp,127.0.0.1,{record.port},,5986"])  # fmt: skip
    assert not same_name.ok and "A NAT rule of this name already exists" in same_name.stderr
    assert not same_port.ok and "for this host port and this host IP" in same_port.stderr
    assert len(_rules()) == 1


def test_run_prints_the_forwarded_https_address_for_virtualbox(
    fake_hypervisors: FakeHypervisors, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    disk = _disk(tmp_path)
    DiskPins().record(disk, PIN)
    assert main(["run", str(disk), "--hypervisor", "virtualbox", "--no-wait"]) == 0
    record = VmStore().all()[0]
    assert record.https_port is not None and record.https_pin == PIN
    out = capsys.readouterr().out
    assert f"--port {record.https_port} --https" in out
