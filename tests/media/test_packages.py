"""Cab scanning on in-memory trees: case, languages, unknown and orphan cabs."""

from __future__ import annotations

from collections.abc import Sequence

from nanostudio.catalogue import find_package
from nanostudio.media.packages import Entry, PackageScan, find_entry, scan_packages


def folders_of(paths: Sequence[str]) -> dict[str, list[Entry]]:
    """Folder listings of a tree given by file paths relative to the NanoServer folder."""
    folders: dict[str, list[Entry]] = {"": []}
    for path in paths:
        parts = path.split("/")
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            entry = Entry(parts[depth], depth < len(parts) - 1)
            folders.setdefault(parent, [])
            if entry not in folders[parent]:
                folders[parent].append(entry)
    return folders


def scan(paths: Sequence[str]) -> PackageScan:
    return scan_packages(folders_of(paths).__getitem__)


def test_no_packages_folder() -> None:
    result = scan(["NanoServer.wim"])
    assert (result.packages, result.languages, result.unknown_cabs) == ((), (), ())


def test_names_match_in_any_case_and_report_lower_case() -> None:
    result = scan(
        [
            "NanoServer.wim",
            "PACKAGES/microsoft-nanoserver-dsc-package.CAB",
            "PACKAGES/Microsoft-NanoServer-Compute-Package.cab",
            "PACKAGES/EN-US/MICROSOFT-NANOSERVER-DSC-PACKAGE_EN-US.CAB",
            "PACKAGES/de-De/Microsoft-NanoServer-DSC-Package_de-DE.cab",
            "PACKAGES/en-us-not-a-dir.txt",
        ]
    )
    shorts = [cab.info.short for cab in result.packages]
    assert shorts == ["Compute", "DSC"]  # catalogue order, not file order
    dsc = result.packages[1]
    assert dsc.info.name == "Microsoft-NanoServer-DSC-Package"
    assert dsc.location == "PACKAGES/microsoft-nanoserver-dsc-package.CAB"
    assert dict(dsc.languages) == {
        "de-de": "PACKAGES/de-De/Microsoft-NanoServer-DSC-Package_de-DE.cab",
        "en-us": "PACKAGES/EN-US/MICROSOFT-NANOSERVER-DSC-PACKAGE_EN-US.CAB",
    }
    assert result.packages[0].languages == {}
    assert result.languages == ("de-de", "en-us")
    assert result.unknown_cabs == ()


def test_unknown_misplaced_and_orphan_cabs_are_reported_not_used() -> None:
    result = scan(
        [
            "Packages/Microsoft-OneCore-ReverseForwarders-Package.cab",
            "Packages/Microsoft-NanoServer-DNS-Package.cab",
            "Packages/Microsoft-NanoServer-DNS-Package_en-us.cab",  # a language cab, misplaced
            "Packages/en-us/Microsoft-NanoServer-DNS-Package_de-de.cab",  # other language
            "Packages/en-us/Microsoft-NanoServer-IIS-Package_en-us.cab",  # no base cab
            "Packages/en-us/readme.txt",
            "Packages/Drivers/Microsoft-NanoServer-DNS-Package_en-us.cab",  # not a language
        ]
    )
    assert [cab.info.short for cab in result.packages] == ["DNS"]
    assert result.packages[0].languages == {}
    assert result.languages == ()
    assert result.unknown_cabs == (
        "Packages/Microsoft-NanoServer-DNS-Package_en-us.cab",
        "Packages/Microsoft-OneCore-ReverseForwarders-Package.cab",
        "Packages/en-us/Microsoft-NanoServer-DNS-Package_de-de.cab",
        "Packages/en-us/Microsoft-NanoServer-IIS-Package_en-us.cab",
    )


def test_duplicate_cabs_in_different_case_keep_one() -> None:
    result = scan(
        [
            "Packages/Microsoft-NanoServer-DNS-Package.cab",
            "Packages/MICROSOFT-NANOSERVER-DNS-PACKAGE.CAB",
        ]
    )
    assert len(result.packages) == 1
    assert result.packages[0].info == find_package("dns")


def test_find_entry_is_case_insensitive_and_kind_aware() -> None:
    entries = [Entry("nanoserver", False), Entry("NanoServer", True), Entry("NANOSERVER", True)]
    assert find_entry(entries, "NanoServer", is_dir=True) == Entry("NANOSERVER", True)
    assert find_entry(entries, "nanoSERVER", is_dir=False) == Entry("nanoserver", False)
    assert find_entry(entries, "Packages", is_dir=True) is None
