"""Hyper-V through a FAKE powershell that answers as PowerShell 5.1 with Hyper-V does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nanostudio.recipe.model import Target
from nanostudio.vm.backends import create_and_start
from nanostudio.vm.hyperv import HyperVBackend, parse_vm_addresses
from nanostudio.vm.model import GuestNetwork, VmError, VmSpec, VmState
from tests.vm.conftest import FakeHypervisors

STATIC = GuestNetwork("192.168.56.10/24", "192.168.56.1")


def _yes(asked: list[str]) -> Callable[[str], bool]:
    def consent(question: str) -> bool:
        asked.append(question)
        return True

    return consent


def _spec(tmp_path: Path, network: GuestNetwork = STATIC, name: str = "NANO1") -> VmSpec:
    disk = tmp_path / "nano.vhdx"
    disk.write_bytes(b"vhdxfile")
    return VmSpec(name, disk, Target.HYPERV_GEN2, network)


def _scripts(fake: FakeHypervisors) -> str:
    return "\n".join(c["script"] for c in fake.calls("powershell"))


def test_static_address_gets_an_internal_switch_only_with_consent(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    with pytest.raises(VmError, match=r"No Hyper-V switch reaches 192\.168\.56\.0/24"):
        HyperVBackend(consent=lambda q: False).create(_spec(tmp_path))
    assert fake_hypervisors.state("hyperv")["switches"] == {}
    asked: list[str] = []
    backend = HyperVBackend(consent=_yes(asked))
    record = create_and_start(backend, _spec(tmp_path)).record
    assert "Internal switch 'NanoStudio' with the address 192.168.56.1" in asked[0]
    state = fake_hypervisors.state("hyperv")
    assert state["switches"] == {"NanoStudio": "Internal"}
    vm = state["vms"]["NANO1"]
    assert (vm["generation"], vm["switch"], vm["state"]) == (2, "NanoStudio", "Running")
    assert "-EnableSecureBoot On -SecureBootTemplate MicrosoftWindows" in vm["Set-VMFirmware"]
    assert (record.host, record.port) == ("192.168.56.10", 5985)
    assert all(c["argv"][-2:] == ["-Command", "-"] for c in fake_hypervisors.calls("powershell"))
    backend.stop(record, graceful_s=0)
    assert backend.status(record) is VmState.STOPPED
    backend.delete(record)
    assert backend.status(record) is VmState.MISSING
    assert "Remove-VM -Name 'NANO1' -Force" in _scripts(fake_hypervisors)


def test_an_existing_switch_in_the_subnet_is_used(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    fake_hypervisors.set_state(
        "hyperv",
        {
            "switches": {"Lab": "Internal"},
            "host_addresses": [
                {"InterfaceAlias": "Ethernet", "IPAddress": "10.1.1.5", "PrefixLength": 24},
                {"InterfaceAlias": "vEthernet (Lab)", "IPAddress": "192.168.56.1",
                 "PrefixLength": 24},
            ],
        },
    )  # fmt: skip
    HyperVBackend().create(_spec(tmp_path))
    assert fake_hypervisors.state("hyperv")["vms"]["NANO1"]["switch"] == "Lab"
    assert "New-VMSwitch" not in _scripts(fake_hypervisors)


def test_dhcp_uses_the_default_switch_and_reads_the_address(
    fake_hypervisors: FakeHypervisors, tmp_path: Path
) -> None:
    fake_hypervisors.set_state(
        "hyperv", {"switches": {"Default Switch": "Internal"}, "dhcp_addresses": ["172.20.1.9"]}
    )
    backend = HyperVBackend()
    record = create_and_start(backend, _spec(tmp_path, GuestNetwork())).record
    assert fake_hypervisors.state("hyperv")["vms"]["NANO1"]["switch"] == "Default Switch"
    assert backend.addresses(record) == ["172.20.1.9"]


def test_dhcp_without_default_switch(fake_hypervisors: FakeHypervisors, tmp_path: Path) -> None:
    with pytest.raises(VmError, match="no 'Default Switch'"):
        HyperVBackend().create(_spec(tmp_path, GuestNetwork()))


def test_hyperv_not_enabled(fake_hypervisors: FakeHypervisors, tmp_path: Path) -> None:
    fake_hypervisors.set_state("hyperv", {"enabled": False})
    with pytest.raises(VmError, match="Hyper-V is not enabled on this computer"):
        HyperVBackend(consent=lambda q: True).create(_spec(tmp_path))


def test_not_elevated(fake_hypervisors: FakeHypervisors, tmp_path: Path) -> None:
    fake_hypervisors.set_state("hyperv", {"elevated": False})
    with pytest.raises(VmError, match="run NanoStudio as administrator"):
        HyperVBackend(consent=lambda q: True).create(_spec(tmp_path))
    assert fake_hypervisors.state("hyperv")["vms"] == {}


def test_name_taken(fake_hypervisors: FakeHypervisors, tmp_path: Path) -> None:
    fake_hypervisors.set_state(
        "hyperv",
        {"switches": {"Default Switch": "Internal"},
         "vms": {"NANO1": {"state": "Off", "addresses": []}}},
    )  # fmt: skip
    with pytest.raises(VmError, match="Hyper-V already has a VM named 'NANO1'"):
        HyperVBackend().create(_spec(tmp_path, GuestNetwork()))


def test_gen2_needs_vhdx_and_guest_drivers(tmp_path: Path) -> None:
    disk = tmp_path / "nano.vhd"
    disk.write_bytes(b"x")
    with pytest.raises(VmError, match="VHDX only"):
        HyperVBackend().create(VmSpec("N", disk, Target.HYPERV_GEN2))
    vhdx = tmp_path / "nano.vhdx"
    vhdx.write_bytes(b"x")
    with pytest.raises(VmError, match="built for KVM"):
        HyperVBackend().create(VmSpec("N", vhdx, Target.KVM))


def test_vm_addresses_parser() -> None:
    assert parse_vm_addresses('["172.20.1.9","fe80::1"]') == ["172.20.1.9"]
    assert parse_vm_addresses('"fe80::1"') == []
    assert parse_vm_addresses("") == []
