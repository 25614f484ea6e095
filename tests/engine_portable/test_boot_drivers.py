"""Boot and network drivers on a built disk, read back from the disk itself.

The portable engine must put every driver a target needs to reach its own boot
disk (and its network) into the image offline. These tests build real disks
from the sample media, take the SYSTEM hive and the driver files out of the
NTFS partition with ntfs-3g's tools, and read the hive with dissect.regf and
hivexsh, none of which NanoStudio wrote. Targets whose drivers the build cannot
provide are refused before any work, by `recipe check` and `build` alike.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment
from nanostudio.cli.main import main
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.recipe import DriversSpec, OutputSpec, Recipe, SourceSpec, Target
from nanostudio.recipe.toml_io import save_recipe
from tests.engine_portable.helpers import (
    build,
    extract_partition,
    ntfs_cat,
    ntfs_ls,
    read_gpt,
    reg_subkeys,
    reg_values,
    to_raw,
)
from tests.support.fixtures_media import copy_media_folder, edit_package_cab

GIB = 1 << 30
VMBUS_STORVSC = "VMBUS\\{BA6163D9-04A1-4D29-B605-72E2FFB1DC7F}"
VMBUS_NETVSC = "VMBUS\\{F8615163-DF3E-46C5-913F-F2D2F965ED0E}"


@dataclass(frozen=True)
class BuiltDisk:
    volume: Path  # the Windows partition, as a file ntfs-3g tools read
    hive: Path  # its Windows\System32\config\SYSTEM


def _build_and_open(recipe: Recipe, work: Path) -> BuiltDisk:
    outcome = build(recipe)
    assert outcome.was_successful(), outcome
    fmt = recipe.output.path.suffix.lstrip(".")
    raw = to_raw(recipe.output.path, fmt, work / "disk.raw")
    windows = read_gpt(raw).partitions[-1]
    volume = extract_partition(raw, windows, work / "windows.img")
    hive = work / "SYSTEM"
    hive.write_bytes(ntfs_cat(volume, "/Windows/System32/config/SYSTEM"))
    return BuiltDisk(volume, hive)


@pytest.fixture(scope="module")
def hyperv_disk(sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory) -> BuiltDisk:
    work = tmp_path_factory.mktemp("hyperv-gen2")
    assert sample_media.iso is not None
    recipe = Recipe(
        source=SourceSpec(media=sample_media.iso, deployment=Deployment.GUEST),
        output=OutputSpec(path=work / "nano.vhdx", size=2 * GIB, target=Target.HYPERV_GEN2),
    )
    return _build_and_open(recipe, work)


@pytest.fixture(scope="module")
def virtualbox_disk(
    sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory
) -> BuiltDisk:
    work = tmp_path_factory.mktemp("virtualbox")
    recipe = Recipe(
        source=SourceSpec(media=sample_media.root, deployment=Deployment.HOST),
        drivers=DriversSpec(oem=True, virtualbox=True),
        output=OutputSpec(path=work / "nano.vhd", size=2 * GIB, target=Target.VIRTUALBOX),
    )
    return _build_and_open(recipe, work)


def _package(hive: Path, inf: str) -> str:
    active = reg_values(hive, f"DriverDatabase\\DriverInfFiles\\{inf}")["Active"][1]
    assert isinstance(active, str)
    return active


def _assert_boot_service(hive: Path, name: str, group: str) -> None:
    values = reg_values(hive, f"ControlSet001\\Services\\{name}")
    assert values["Type"] == (4, 1)
    assert values["Start"] == (4, 0), f"{name} must start at boot"
    assert values["ErrorControl"] == (4, 1)
    assert values["Group"] == (1, group)
    assert values["ImagePath"] == (2, f"System32\\drivers\\{name}.sys")


def _assert_driver_database(hive: Path, inf: str, device_id: str, service: str) -> None:
    enumerator, _, rest = device_id.partition("\\")
    assert reg_values(hive, f"DriverDatabase\\DeviceIds\\{enumerator}\\{rest}")[inf] == (
        3,
        bytes([1, 0xFF, 0, 0]),
    )
    package = _package(hive, inf)
    assert package.startswith(f"{inf}_amd64_") and len(package) == len(inf) + 23
    files = reg_values(hive, f"DriverDatabase\\DriverInfFiles\\{inf}")
    assert files["(Default)"] == (7, [package])
    section = f"{service}_Inst.NTamd64"
    configurations = files["Configurations"]
    assert configurations[0] == 7 and isinstance(configurations[1], list)
    assert section in configurations[1]  # every install section of the INF is recorded
    entry = f"DriverDatabase\\DriverPackages\\{package}"
    version = reg_values(hive, entry)["Version"]
    assert version[0] == 3 and isinstance(version[1], bytes) and len(version[1]) == 48
    assert reg_values(hive, f"{entry}\\Configurations\\{section}")["Service"] == (1, service)
    descriptor = reg_values(hive, f"{entry}\\Descriptors\\{enumerator}\\{rest}")
    assert descriptor["Configuration"] == (1, section)


def test_hyperv_gen2_disk_carries_vmbus_storvsc_and_netvsc(hyperv_disk: BuiltDisk) -> None:
    hive = hyperv_disk.hive
    _assert_boot_service(hive, "vmbus", "System Bus Extender")
    _assert_boot_service(hive, "storvsc", "Base")
    netvsc = reg_values(hive, "ControlSet001\\Services\\netvsc")
    # Demand start, as in a real Windows 10 hive: PnP loads it when VMBus offers the NIC.
    assert netvsc["Start"] == (4, 3) and netvsc["Group"] == (1, "Extended Base")
    _assert_driver_database(hive, "wvmbus.inf", "ACPI\\VMBUS", "vmbus")
    _assert_driver_database(hive, "wstorvsc.inf", VMBUS_STORVSC, "storvsc")
    _assert_driver_database(hive, "wnetvsc.inf", VMBUS_NETVSC, "netvsc")
    # The base image's own entries are untouched.
    assert "machine.inf" in reg_subkeys(hive, "DriverDatabase\\DriverInfFiles")


def test_hyperv_gen2_disk_has_the_driver_files_where_windows_looks(
    hyperv_disk: BuiltDisk,
) -> None:
    drivers = ntfs_ls(hyperv_disk.volume, "/Windows/System32/drivers")
    assert {"vmbus.sys", "storvsc.sys", "netvsc.sys"} <= set(drivers)
    package = _package(hyperv_disk.hive, "wstorvsc.inf")
    store = ntfs_ls(hyperv_disk.volume, f"/Windows/System32/DriverStore/FileRepository/{package}")
    assert {"wstorvsc.inf", "storvsc.sys"} <= set(store)
    assert "wstorvsc.inf" in ntfs_ls(hyperv_disk.volume, "/Windows/INF")
    catalogs = ntfs_ls(
        hyperv_disk.volume, "/Windows/System32/CatRoot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
    )
    assert "Microsoft-NanoServer-Guest-Package.cat" in catalogs


def test_hivexsh_reads_the_same_boot_service(hyperv_disk: BuiltDisk) -> None:
    listing = subprocess.run(
        ["hivexsh", str(hyperv_disk.hive)],
        input="cd \\ControlSet001\\Services\\storvsc\nlsval\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"Start"=dword:00000000' in listing
    assert '"Type"=dword:00000001' in listing


def test_virtualbox_disk_carries_ahci_at_boot_and_the_intel_nic(virtualbox_disk: BuiltDisk) -> None:
    hive = virtualbox_disk.hive
    # mshdc.inf asks for demand start; the boot disk's controller must start at boot.
    _assert_boot_service(hive, "storahci", "SCSI Miniport")
    _assert_driver_database(hive, "mshdc.inf", "PCI\\CC_010601", "storahci")
    nic = reg_values(hive, "ControlSet001\\Services\\e1i63x64")
    assert nic["Start"] == (4, 3) and nic["Group"] == (1, "NDIS")
    _assert_driver_database(hive, "net1ic64.inf", "PCI\\VEN_8086&DEV_100E", "e1i63x64")
    drivers = ntfs_ls(virtualbox_disk.volume, "/Windows/System32/drivers")
    assert {"storahci.sys", "e1i63x64.sys"} <= set(drivers)
    # Only what the target needs: no Hyper-V driver on a VirtualBox disk.
    assert "storvsc" not in reg_subkeys(hive, "ControlSet001\\Services")


def _recipe_file(folder: Path, recipe: Recipe) -> Path:
    path = folder / "recipe.toml"
    save_recipe(recipe, path)
    return path


@pytest.mark.parametrize(
    ("target", "deployment", "oem", "device"),
    [
        (Target.KVM, Deployment.HOST, False, "Intel ICH9 SATA AHCI controller"),
        (Target.VMWARE, Deployment.HOST, False, "LSI Logic SAS controller"),
        (Target.VIRTUALBOX, Deployment.HOST, False, "Intel ICH8 SATA AHCI controller"),
        (Target.HYPERV_GEN2, Deployment.HOST, False, "Hyper-V VMBus"),
    ],
)
def test_a_target_whose_boot_driver_is_nowhere_is_refused_up_front(
    sample_media: SampleMedia,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    target: Target,
    deployment: Deployment,
    oem: bool,
    device: str,
) -> None:
    output = tmp_path / "out" / "nano.vhdx"
    output.parent.mkdir()
    recipe = Recipe(
        source=SourceSpec(media=sample_media.root, deployment=deployment),
        drivers=DriversSpec(oem=oem),
        output=OutputSpec(path=output, size=2 * GIB, target=target),
    )
    path = _recipe_file(tmp_path, recipe)
    assert main(["recipe", "check", str(path)]) == 2
    check_err = capsys.readouterr().err
    assert f"output.target: {target.label} needs a driver for its {device}" in check_err
    assert "neither the image nor the Host package has one" in check_err
    assert "add a driver folder that has it" in check_err
    assert "Traceback" not in check_err
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", "Passw0rd!x")
    assert main(["build", str(path)]) == 2
    assert f"needs a driver for its {device}" in capsys.readouterr().err
    assert list(output.parent.iterdir()) == []  # refused before any work


def test_a_driver_package_that_cannot_be_injected_names_the_reason(
    sample_media: SampleMedia, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Guest cab's storvsc INF lacks its service section: refused with why."""
    media = copy_media_folder(sample_media, tmp_path / "media")

    def break_storvsc(unpacked: Path) -> None:
        inf = next(unpacked.rglob("wstorvsc.inf"))
        inf.write_text(inf.read_text().replace("ServiceBinary=", "; ServiceBinary="))

    edit_package_cab(media, "Guest", break_storvsc)
    recipe = Recipe(
        source=SourceSpec(media=media, deployment=Deployment.GUEST),
        output=OutputSpec(path=tmp_path / "nano.vhdx", size=2 * GIB, target=Target.HYPERV_GEN2),
    )
    assert main(["recipe", "check", str(_recipe_file(tmp_path, recipe))]) == 2
    err = capsys.readouterr().err
    assert "Hyper-V synthetic SCSI controller" in err
    assert "the Guest package: wstorvsc.inf: the service storvsc lacks ServiceBinary" in err
    assert "Windows engine" in err


def test_windows_engine_is_judged_without_the_portable_refusals(
    sample_media: SampleMedia, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = Recipe(
        source=SourceSpec(media=sample_media.root, deployment=Deployment.HOST),
        output=OutputSpec(path=tmp_path / "nano.vhdx", size=2 * GIB, target=Target.KVM),
    )
    path = _recipe_file(tmp_path, recipe)
    assert main(["recipe", "check", "--engine", "windows", str(path)]) == 0
    capsys.readouterr()
