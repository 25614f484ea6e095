"""End to end: disks built from the sample media, checked with readers NanoStudio did not write."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from dissect.regf import RegistryHive

from nanostudio.devtools.sample_bcd import BOOTLOADERSETTINGS, GLOBALSETTINGS, OS_TEMPLATE_EFI
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.portable.gpt import BASIC_DATA_TYPE, ESP_TYPE, MSR_TYPE
from nanostudio.engine.portable.vhd import fixed_disk_size
from tests.engine_portable.conftest import Built, media_digests
from tests.engine_portable.helpers import (
    PASSWORD,
    GptInfo,
    boot,
    check_boot,
    esp_file,
    esp_listing,
    extract_partition,
    find_bytes,
    needs_qemu,
    ntfs_cat,
    ntfs_ls,
    read_gpt,
    run,
    to_raw,
)

BOOTMGR_KEY = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
NS = {"u": "urn:schemas-microsoft-com:unattend"}


@pytest.fixture(scope="module")
def vhdx_raw(vhdx_build: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return to_raw(vhdx_build.recipe.output.path, "vhdx", tmp_path_factory.mktemp("raw") / "d.raw")


@pytest.fixture(scope="module")
def vhdx_gpt(vhdx_raw: Path) -> GptInfo:
    return read_gpt(vhdx_raw)


@pytest.fixture(scope="module")
def vhdx_windows(
    vhdx_raw: Path, vhdx_gpt: GptInfo, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return extract_partition(
        vhdx_raw, vhdx_gpt.partitions[2], tmp_path_factory.mktemp("ntfs") / "windows.img"
    )


def image_file(sample: SampleMedia, index: int, path: str, dest: Path) -> bytes:
    run(["wimlib-imagex", "extract", str(sample.wim), str(index), path, f"--dest-dir={dest}"])
    return (dest / path.rsplit("/", 1)[-1]).read_bytes()


def test_vhdx_is_a_valid_dynamic_vhdx_of_the_recipe_size(vhdx_build: Built) -> None:
    disk = vhdx_build.recipe.output.path
    run(["qemu-img", "check", "-f", "vhdx", str(disk)])
    info = json.loads(run(["qemu-img", "info", "--output=json", "-f", "vhdx", str(disk)]))
    assert info["virtual-size"] == vhdx_build.recipe.output.size
    assert disk.stat().st_size < 200 * 2**20  # dynamic: only the data blocks


def test_nothing_but_the_output_is_left(vhdx_build: Built) -> None:
    assert [p.name for p in vhdx_build.folder.iterdir()] == ["nano.vhdx"]


def test_gpt_has_esp_msr_and_windows(vhdx_raw: Path, vhdx_gpt: GptInfo) -> None:
    assert "No problems found" in run(["sgdisk", "-v", str(vhdx_raw)])
    types = [part.type_guid for part in vhdx_gpt.partitions]
    assert types == [ESP_TYPE, MSR_TYPE, BASIC_DATA_TYPE]
    esp, msr, _ = vhdx_gpt.partitions
    assert (esp.last_lba - esp.first_lba + 1) * 512 == 200 * 2**20
    assert (msr.last_lba - msr.first_lba + 1) * 512 == 128 * 2**20
    assert esp.first_lba % 2048 == 0


def test_esp_boot_manager_is_the_images_bootmgfw(
    vhdx_raw: Path, vhdx_gpt: GptInfo, sample_media: SampleMedia, tmp_path: Path
) -> None:
    esp = vhdx_gpt.partitions[0]
    expected = image_file(sample_media, 2, "/Windows/Boot/EFI/bootmgfw.efi", tmp_path)
    assert esp_file(vhdx_raw, esp, "EFI/Boot/bootx64.efi") == expected
    assert esp_file(vhdx_raw, esp, "EFI/Microsoft/Boot/bootmgfw.efi") == expected
    listing = esp_listing(vhdx_raw, esp, "EFI/Microsoft/Boot").lower()
    for name in ("fonts", "resources", "en-us", "bcd"):
        assert f"/efi/microsoft/boot/{name}" in listing
    fonts = esp_listing(vhdx_raw, esp, "EFI/Microsoft/Boot/Fonts").lower()
    assert "segmono_boot.ttf" in fonts


def test_esp_is_fat32(vhdx_raw: Path, vhdx_gpt: GptInfo) -> None:
    info = run(["minfo", "-i", f"{vhdx_raw}@@{vhdx_gpt.partitions[0].offset}", "::"])
    assert 'disk type="FAT32   "' in info
    assert re.search(r"cluster size: 1 sectors", info)
    assert re.search(r"hidden sectors: 2048\b", info)


def test_bcd_devices_name_the_gpt_guids(vhdx_raw: Path, vhdx_gpt: GptInfo, tmp_path: Path) -> None:
    esp, _, windows = vhdx_gpt.partitions
    bcd = tmp_path / "BCD"
    bcd.write_bytes(esp_file(vhdx_raw, esp, "EFI/Microsoft/Boot/BCD"))
    objects = run(["hivexsh", str(bcd)], input_text="cd Objects\nls\n")
    assert BOOTMGR_KEY in objects
    # Made from the image's BCD-Template, as bcdboot makes it: its settings objects are in.
    assert GLOBALSETTINGS in objects and BOOTLOADERSETTINGS in objects
    assert OS_TEMPLATE_EFI not in objects
    with bcd.open("rb") as stream:
        hive = RegistryHive(stream)
        manager = hive.open(f"Objects\\{BOOTMGR_KEY}\\Elements")
        default = manager.subkey("23000003").value("Element").value
        loader = hive.open(f"Objects\\{default}\\Elements")
        manager_device = manager.subkey("11000001").value("Element").value
        loader_device = loader.subkey("11000001").value("Element").value
        os_device = loader.subkey("21000001").value("Element").value
        path = loader.subkey("12000002").value("Element").value
        locale = loader.subkey("12000005").value("Element").value
    disk = vhdx_gpt.disk_guid.bytes_le
    assert esp.guid.bytes_le in manager_device and disk in manager_device
    assert windows.guid.bytes_le in loader_device and disk in loader_device
    assert os_device == loader_device
    assert path.lower() == "\\windows\\system32\\winload.efi"
    assert locale == "en-US"


def test_windows_partition_holds_the_chosen_edition(
    vhdx_windows: Path, sample_media: SampleMedia
) -> None:
    marker = ntfs_cat(vhdx_windows, sample_media.marker_path).decode().strip()
    assert marker == sample_media.datacenter_marker


def test_unattend_holds_the_recipe_values(vhdx_windows: Path, vhdx_build: Built) -> None:
    root = ET.fromstring(ntfs_cat(vhdx_windows, "Windows/Panther/unattend.xml"))
    assert [s.get("pass") for s in root.findall("u:settings", NS)] == ["specialize", "oobeSystem"]
    specialize = root.find("u:settings[@pass='specialize']/u:component", NS)
    assert specialize is not None
    assert specialize.findtext("u:ComputerName", namespaces=NS) == "NANO-TEST"
    oobe = root.find("u:settings[@pass='oobeSystem']/u:component", NS)
    assert oobe is not None
    assert oobe.findtext("u:TimeZone", namespaces=NS) == "W. Europe Standard Time"
    value = root.findtext(".//u:AdministratorPassword/u:Value", namespaces=NS)
    assert value is not None
    decoded = base64.b64decode(value).decode("utf-16-le")
    assert decoded == PASSWORD + "AdministratorPassword"
    assert root.findtext(".//u:AdministratorPassword/u:PlainText", namespaces=NS) == "false"
    # offlineServicing never runs from Panther: no second reversible copy of the password.
    assert root.find(".//u:OfflineAdministratorPassword", NS) is None
    encoded = base64.b64encode((PASSWORD + "OfflineAdministratorPassword").encode("utf-16-le"))
    assert find_bytes(vhdx_build.recipe.output.path, [encoded]) == []


def test_setupcomplete_holds_winrm_packages_drivers(vhdx_windows: Path) -> None:
    script = ntfs_cat(vhdx_windows, "Windows/Setup/Scripts/SetupComplete.cmd").decode()
    assert "\r\n" in script
    assert (
        'netsh advfirewall firewall add rule name="WinRM HTTP (NanoStudio)" dir=in '
        "action=allow protocol=TCP localport=5985 profile=any"
    ) in script
    assert 'set rule group="@FirewallAPI.dll,-29252" new enable=Yes' in script
    installs = re.findall(r"/packagepath:\"([^\"]+)\"", script)
    names = [path.rsplit("\\", 1)[-1].lower() for path in installs]
    # Host (deployment), OEM drivers, then the roles; NPDS after Defender.
    defender = names.index("microsoft-nanoserver-defender-package.cab")
    assert names.index("microsoft-nanoserver-npds-package.cab") > defender
    assert names[defender + 1] == "microsoft-nanoserver-defender-package_en-us.cab"
    assert not any("iis" in name for name in names)
    assert "pnputil /add-driver" in script and "/subdirs /install" in script
    assert "tzutil" not in script  # the time zone is in unattend.xml's oobeSystem pass
    # The last step deletes the answer file that holds the encoded password.
    assert 'if exist "%SystemRoot%\\Panther\\unattend.xml" del /f /q' in script
    assert script.index('del /f /q "%SystemRoot%\\Panther\\unattend.xml"') > script.index(
        "echo first & echo boot"
    )
    assert "static 192.168.56.10 255.255.255.0 192.168.56.1" in script
    assert '"%ProgramFiles%\\docker\\dockerd.exe" --register-service' in script
    assert "DockerMsftProvider" not in script
    assert "echo first & echo boot" in script
    assert "setupcomplete.log" in script
    # Network after the packages and drivers; the restart is scheduled, never run here.
    assert script.index("pnputil /add-driver") < script.index("static 192.168.56.10")
    assert "shutdown" not in script.lower()
    after = ntfs_cat(vhdx_windows, "Windows/Setup/Scripts/NanoStudio-AfterSetup.cmd").decode()
    assert "shutdown /r" in after and "static 192.168.56.10 255.255.255.0 192.168.56.1" in after


def test_staged_files_are_in_the_image(vhdx_windows: Path) -> None:
    packages = [name.lower() for name in ntfs_ls(vhdx_windows, "NanoStudio/Packages")]
    assert "microsoft-nanoserver-dsc-package.cab" in packages
    assert "en-us" in packages
    drivers = ntfs_ls(vhdx_windows, "NanoStudio/Drivers")
    assert drivers == ["01-e1000_driver"]
    files = ntfs_ls(vhdx_windows, "NanoStudio/Drivers/01-e1000_driver/x64")
    assert sorted(files) == ["e1g6032e.inf", "e1g6032e.sys"]
    top = ntfs_ls(vhdx_windows, "NanoStudio/Drivers/01-e1000_driver")
    assert "old.inf" not in top  # x86 only: not staged
    assert sorted(ntfs_ls(vhdx_windows, "Program Files/docker")) == [
        "docker.exe",
        "dockerd.exe",
        "licenses",
    ]
    assert ntfs_cat(vhdx_windows, "Program Files/docker/dockerd.exe") == (
        b"MZ fake docker/dockerd.exe"
    )


def test_password_is_nowhere_on_the_disk(vhdx_build: Built, vhdx_raw: Path) -> None:
    needles = [PASSWORD.encode("ascii"), PASSWORD.encode("utf-16-le")]
    assert find_bytes(vhdx_build.recipe.output.path, needles) == []
    assert find_bytes(vhdx_raw, needles) == []


def test_password_is_not_in_the_build_log(vhdx_build: Built) -> None:
    log = vhdx_build.outcome.log_path
    assert log is not None and log.is_file()
    assert PASSWORD not in log.read_text()


def test_vhd_is_a_fixed_vhd_every_reader_sizes_alike(vhd_build: Built, tmp_path: Path) -> None:
    disk = vhd_build.recipe.output.path
    expected = fixed_disk_size(vhd_build.recipe.output.size)
    info = json.loads(run(["qemu-img", "info", "--output=json", "-f", "vpc", str(disk)]))
    assert info["virtual-size"] == expected
    assert disk.stat().st_size == expected + 512
    assert disk.read_bytes()[-512:][:8] == b"conectix"
    raw = to_raw(disk, "vhd", tmp_path / "vhd.raw")
    gpt = read_gpt(raw)
    assert "No problems found" in run(["sgdisk", "-v", str(raw)])
    windows = extract_partition(raw, gpt.partitions[2], tmp_path / "w.img")
    assert (
        ntfs_cat(windows, "Windows/System32/NanoStudio-sample-edition.txt")
        .decode()
        .strip()
        .endswith("Standard")
    )
    script = ntfs_cat(windows, "Windows/Setup/Scripts/SetupComplete.cmd").decode()
    assert "5985" not in script  # winrm = false
    assert find_bytes(disk, [PASSWORD.encode(), PASSWORD.encode("utf-16-le")]) == []


@pytest.mark.slow
@needs_qemu
def test_vhdx_boots_under_ovmf(vhdx_build: Built, vhdx_gpt: GptInfo, tmp_path: Path) -> None:
    log = boot(vhdx_build.recipe.output.path, "vhdx", tmp_path)
    check_boot(log, vhdx_gpt, "Datacenter")


@pytest.mark.slow
@needs_qemu
def test_vhd_boots_under_ovmf(vhd_build: Built, tmp_path: Path) -> None:
    raw = to_raw(vhd_build.recipe.output.path, "vhd", tmp_path / "vhd.raw")
    gpt = read_gpt(raw)
    raw.unlink()
    log = boot(vhd_build.recipe.output.path, "vhd", tmp_path)
    check_boot(log, gpt, "Standard")


def test_source_media_is_untouched(
    sample_media: SampleMedia,
    media_digest_before: dict[str, str],
    vhdx_build: Built,
    vhd_build: Built,
) -> None:
    """Both builds read the media (ISO and folder); neither wrote to it (delta WIM, no update)."""
    assert media_digests(sample_media) == media_digest_before
