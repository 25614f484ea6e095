"""Offline driver injection against a real Windows 10 SYSTEM hive (11 MB, real
subkey lists and index roots), read back with dissect.regf and hivexsh, which
NanoStudio did not write. The hive comes from dissect.regf's sdist on PyPI
(scripts/fetch-test-hive.sh); it is never committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nanostudio.devtools.sample_drivers import PACKAGE_DRIVERS, inf_text, write_package_drivers
from nanostudio.engine.drivers.analysis import DeviceOutcome
from nanostudio.engine.drivers.database import (
    current_control_set,
    installed_driver,
    make_boot_start,
    package_name,
    version_blob,
    write_driver_database,
    write_services,
)
from nanostudio.engine.drivers.devices import E1000, ICH9_AHCI, NETVSC, STORVSC, VMBUS
from nanostudio.engine.drivers.resolve import best_injection, find_matches
from nanostudio.engine.drivers.sources import DriverSource, package_sources
from nanostudio.engine.tools.hivex import Hive, RegValue
from nanostudio.media.inf import parse_inf
from tests.engine_portable.helpers import reg_subkeys, reg_values

REAL_HIVE = Path(__file__).parents[2] / ".venv" / "test-data" / "SYSTEM-win10"


@pytest.fixture
def real_hive(tmp_path: Path) -> Path:
    if not REAL_HIVE.is_file():
        pytest.fail(f"{REAL_HIVE} is missing: run scripts/fetch-test-hive.sh (scripts/test does)")
    copy = tmp_path / "SYSTEM"
    shutil.copyfile(REAL_HIVE, copy)
    return copy


def test_the_real_hive_records_the_inbox_storage_and_hyperv_drivers(real_hive: Path) -> None:
    with Hive.open(real_hive) as hive:
        control_set = current_control_set(hive)
        assert control_set == "ControlSet001"
        storvsc = installed_driver(hive, control_set, STORVSC)
        ahci = installed_driver(hive, control_set, ICH9_AHCI)
        vmbus = installed_driver(hive, control_set, VMBUS)
        nic = installed_driver(hive, control_set, E1000)
    assert storvsc is not None and (storvsc.inf_name, storvsc.service, storvsc.start) == (
        "wstorvsc.inf",
        "storvsc",
        0,
    )
    # AHCI through its compatible ID, as Windows matches any AHCI controller.
    assert ahci is not None and ahci.device_id == "PCI\\CC_010601"
    assert (ahci.inf_name, ahci.service, ahci.start) == ("mshdc.inf", "storahci", 0)
    assert vmbus is not None and vmbus.service == "vmbus"
    assert nic is None  # this hive's driver store holds no network driver at all


def test_version_blob_equals_the_real_hives_for_the_same_inf_facts(
    real_hive: Path, tmp_path: Path
) -> None:
    """Our Version value for mshdc.inf's class, date and version is the real one."""
    with Hive.open(real_hive) as hive:
        node = hive.find("DriverDatabase\\DriverPackages\\mshdc.inf_amd64_0d06b6638bdb4763")
        assert node is not None
        real = hive.value(node, "Version")
    assert real is not None
    inf = tmp_path / "mshdc.inf"
    inf.write_text(
        "[Version]\nClassGuid={4d36e96a-e325-11ce-bfc1-08002be10318}\n"
        "DriverVer=06/21/2006,10.0.19041.1288\n"
    )
    source = DriverSource("test", inf, parse_inf(inf.read_text()), True, None, "")
    assert version_blob(source) == real.data


def _sample_sources(tmp_path: Path, package: str) -> list[DriverSource]:
    folder = tmp_path / package
    write_package_drivers(folder, package)
    return package_sources(folder, f"Microsoft-NanoServer-{package}-Package", package)


def test_injecting_a_nic_and_boot_start_into_the_real_hive(real_hive: Path, tmp_path: Path) -> None:
    sources = _sample_sources(tmp_path, "OEM-Drivers") + _sample_sources(tmp_path, "Guest")
    e1000 = best_injection(find_matches(E1000, sources))
    netvsc = best_injection(find_matches(NETVSC, sources))
    assert e1000 is not None and netvsc is not None
    services_before = len(reg_subkeys(real_hive, "ControlSet001\\Services"))
    pci_before = len(reg_subkeys(real_hive, "DriverDatabase\\DeviceIds\\PCI"))
    with Hive.open(real_hive, write=True) as hive:
        for injection in (e1000, netvsc):
            write_services(hive, "ControlSet001", injection, boot_critical=False)
            write_driver_database(hive, [injection], package_name(injection.source))
        make_boot_start(hive, "ControlSet001", "netvsc")  # an existing service's Start
        hive.commit()

    e1000_package = package_name(e1000.source)
    service = reg_values(real_hive, "ControlSet001\\Services\\e1i63x64")
    assert service["Type"] == (4, 1) and service["Start"] == (4, 3)
    assert service["ErrorControl"] == (4, 1)
    assert service["ImagePath"] == (2, "System32\\drivers\\e1i63x64.sys")
    assert service["Group"] == (1, "NDIS")
    assert service["Owners"] == (7, ["net1ic64.inf"])
    assert reg_values(real_hive, "ControlSet001\\Services\\netvsc")["Start"] == (4, 0)
    device = reg_values(real_hive, "DriverDatabase\\DeviceIds\\PCI\\VEN_8086&DEV_100E")
    assert device["net1ic64.inf"] == (3, bytes([1, 0xFF, 0, 0]))
    files = reg_values(real_hive, "DriverDatabase\\DriverInfFiles\\net1ic64.inf")
    assert files["(Default)"] == (7, [e1000_package]) and files["Active"] == (1, e1000_package)
    assert files["Configurations"] == (7, ["e1i63x64_Inst.NTamd64"])
    package = f"DriverDatabase\\DriverPackages\\{e1000_package}"
    version = reg_values(real_hive, package)["Version"][1]
    assert isinstance(version, bytes)
    # The Net class GUID in Windows byte order.
    assert version[8:24] == bytes.fromhex("72e9364d25e3ce11bfc108002be10318")
    assert reg_values(real_hive, f"{package}\\Configurations\\e1i63x64_Inst.NTamd64")[
        "Service"
    ] == (
        1,
        "e1i63x64",
    )
    descriptor = reg_values(real_hive, f"{package}\\Descriptors\\PCI\\VEN_8086&DEV_10D3")
    assert descriptor["Configuration"] == (1, "e1i63x64_Inst.NTamd64")
    vmbus_ids = reg_values(
        real_hive, "DriverDatabase\\DeviceIds\\VMBUS\\{F8615163-DF3E-46C5-913F-F2D2F965ED0E}"
    )
    assert "wnetvsc.inf" in vmbus_ids
    # What was there is still there: the real index root of PCI grew, nothing was lost.
    assert len(reg_subkeys(real_hive, "ControlSet001\\Services")) == services_before + 1
    assert len(reg_subkeys(real_hive, "DriverDatabase\\DeviceIds\\PCI")) == pci_before + 3
    assert reg_values(real_hive, "DriverDatabase\\DeviceIds\\PCI\\CC_010601")["mshdc.inf"] == (
        3,
        bytes([1, 0xFF, 0, 0]),
    )
    # hivexsh, a second reader, agrees.
    listing = subprocess.run(
        ["hivexsh", str(real_hive)],
        input="cd \\ControlSet001\\Services\\e1i63x64\nlsval\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"Start"=dword:00000003' in listing
    assert '"ImagePath"=str(2):"System32\\\\drivers\\\\e1i63x64.sys"' in listing  # escaped


def test_sample_infs_parse_to_the_services_they_describe() -> None:
    for drivers in PACKAGE_DRIVERS.values():
        for driver in drivers:
            inf = parse_inf(inf_text(driver))
            names = {s.name for m in inf.models() for s in inf.services(m.install_section)}
            assert names == {service.name for service in driver.services}


def test_an_image_driver_for_a_boot_device_that_starts_late_is_made_boot_start(
    real_hive: Path,
) -> None:
    """Windows' own storahci with Start 3 (demand) would load too late to reach an AHCI
    boot disk: the outcome says so, and make_boot_start sets 0, as virt-v2v sets for
    the boot driver it adds."""
    with Hive.open(real_hive, write=True) as hive:
        service = hive.find("ControlSet001\\Services\\storahci")
        assert service is not None
        hive.set_value(service, RegValue.dword("Start", 3))
        hive.commit()
    with Hive.open(real_hive) as hive:
        installed = installed_driver(hive, "ControlSet001", ICH9_AHCI)
    outcome = DeviceOutcome(ICH9_AHCI, installed, ())
    assert outcome.needs_boot_start and outcome.injection is None
    with Hive.open(real_hive, write=True) as hive:
        make_boot_start(hive, "ControlSet001", "storahci")
        hive.commit()
    assert reg_values(real_hive, "ControlSet001\\Services\\storahci")["Start"] == (4, 0)
