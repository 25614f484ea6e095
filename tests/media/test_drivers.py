from __future__ import annotations

from pathlib import Path

from nanostudio.media.drivers import read_inf, scan_driver_folder

E1000_INF = """; Intel PRO/1000 — recorded shape of a real INF
[Version]
Signature   = "$WINDOWS NT$"
Class       = Net
ClassGUID   = {4d36e972-e325-11ce-bfc1-08002be10318}
Provider    = %Intel%
CatalogFile = e1g6032e.cat
DriverVer   = 02/14/2016,8.4.13.0

[Manufacturer]
%Intel%     = Intel, NTamd64.6.1, NTx86.6.1

[Intel.NTamd64.6.1]
%E100ENC.DeviceDesc% = E100E.ndi, PCI\\VEN_8086&DEV_100E

[Strings]
Intel = "Intel Corporation ; not a comment"
E100ENC.DeviceDesc = "Intel(R) PRO/1000 MT Desktop Adapter"
"""


def _write(folder: Path, name: str, text: str, encoding: str = "utf-16") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_utf16_inf_is_read_with_strings_resolved(tmp_path: Path) -> None:
    driver = read_inf(_write(tmp_path, "E1G6032E.INF", E1000_INF))
    assert driver.usable
    assert driver.driver_class == "Net"
    assert driver.provider == "Intel Corporation ; not a comment"
    assert driver.version == "8.4.13.0"
    assert driver.date == "02/14/2016"
    assert driver.architectures == ("amd64", "x86")


def test_x86_only_inf_is_unusable_with_reason(tmp_path: Path) -> None:
    text = E1000_INF.replace("NTamd64.6.1, NTx86.6.1", "NTx86.6.1")
    driver = read_inf(_write(tmp_path, "x86.inf", text, "cp1252"))
    assert not driver.usable
    assert driver.problem is not None and "no 64-bit (NTamd64) driver" in driver.problem
    assert "x86" in driver.problem


def test_undecorated_manufacturer_means_x86_only(tmp_path: Path) -> None:
    text = E1000_INF.replace("= Intel, NTamd64.6.1, NTx86.6.1", "= Intel")
    driver = read_inf(_write(tmp_path, "old.inf", text, "utf-8"))
    assert driver.problem is not None and "x86 only" in driver.problem


def test_binary_file_named_inf_is_unusable(tmp_path: Path) -> None:
    path = tmp_path / "junk.inf"
    path.write_bytes(b"\x00\x01\x02MZ\x00" * 50)
    assert read_inf(path).problem == "is not a text INF file"


def test_inf_without_version_section(tmp_path: Path) -> None:
    driver = read_inf(_write(tmp_path, "notes.inf", "[Strings]\na=b\n", "ascii"))
    assert driver.problem is not None and "no [Version] section" in driver.problem


def test_folder_scan_is_recursive_and_case_insensitive(tmp_path: Path) -> None:
    _write(tmp_path / "net" / "e1000", "E1G6032E.INF", E1000_INF)
    _write(tmp_path / "other", "x86.inf", E1000_INF.replace("NTamd64.6.1, ", ""))
    scanned = scan_driver_folder(tmp_path)
    assert scanned.problem is None
    assert [d.path.name for d in scanned.usable_drivers] == ["E1G6032E.INF"]
    assert len(scanned.drivers) == 2


def test_folder_with_only_unusable_infs_names_each_file(tmp_path: Path) -> None:
    _write(tmp_path, "x86.inf", E1000_INF.replace("NTamd64.6.1, ", ""))
    scanned = scan_driver_folder(tmp_path)
    assert scanned.problem is not None
    assert "no usable driver" in scanned.problem and "x86.inf" in scanned.problem


def test_missing_folder_and_file_instead_of_folder(tmp_path: Path) -> None:
    assert "does not exist" in (scan_driver_folder(tmp_path / "nope").problem or "")
    file = _write(tmp_path, "a.inf", E1000_INF)
    assert "is not a folder" in (scan_driver_folder(file).problem or "")
