"""Synthetic Windows Server 2016 media, made with the real tools, for tests and try-outs.

The tree looks like the real ISO where NanoStudio looks: ``NanoServer\\NanoServer.wim``
with a Standard and a Datacenter image (names, FLAGS and EDITIONID as on the real
media, boot files at their real paths), ``Packages\\*.cab`` and
``Packages\\<lang>\\*_<lang>.cab`` made by gcab, and a UDF ISO of it all. Files are
stand-ins except ``bootmgfw.efi``, a real EFI program (see ``sample_boot``), and
one marker file whose content says which edition was applied.
"""

from __future__ import annotations

import logging
import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nanostudio.catalogue import PACKAGES, Edition
from nanostudio.devtools.sample_bcd import bcd_template
from nanostudio.devtools.sample_boot import (
    DATACENTER_MARKER,
    MARKER_PATH,
    STANDARD_MARKER,
    sample_bootmgfw,
)
from nanostudio.devtools.sample_drivers import system_hive, write_package_drivers
from nanostudio.engine.portable.hive import Key, RegValue, build_hive
from nanostudio.errors import OutputError, ToolMissingError
from nanostudio.files import remove_quietly
from nanostudio.secret import child_environment

log = logging.getLogger(__name__)

ISO_NAME = "nanoserver-sample.iso"
ISO_LABEL = "NANOSTUDIO_SAMPLE_2016"
# Not a catalogue package: shows how media with extra internal cabs is reported.
UNKNOWN_CAB = "Microsoft-OneCore-ReverseForwarders-Package.cab"
# Spelled in odd case on purpose, as hand-made copies of the media often are.
ODD_CASE_PACKAGE = "DSC"
ODD_CASE_LANGUAGE_CAB = "Storage"

_IMAGE_NAME = "Windows Server 2016 {id}"
_DISPLAY_NAME = "Windows Server 2016 {edition} (Nano Server)"
_EDITION_IDS = {Edition.STANDARD: "ServerStandardNano", Edition.DATACENTER: "ServerDatacenterNano"}
_MARKERS = {Edition.STANDARD: STANDARD_MARKER, Edition.DATACENTER: DATACENTER_MARKER}

_BOOT_FONTS = (
    "chs_boot.ttf",
    "cht_boot.ttf",
    "jpn_boot.ttf",
    "kor_boot.ttf",
    "segmono_boot.ttf",
    "segoe_slboot.ttf",
    "wgl4_boot.ttf",
)
# Stand-ins at the paths the engines and Windows boot code use.
_STAND_INS = (
    "Windows/Boot/EFI/en-US/bootmgfw.efi.mui",
    "Windows/Boot/EFI/memtest.efi",
    "Windows/Boot/PCAT/bootmgr",
    "Windows/Boot/PCAT/bootnxt",
    "Windows/Boot/Resources/bootres.dll",
    "Windows/System32/winload.efi",
    "Windows/System32/winload.exe",
    "Windows/System32/ntoskrnl.exe",
    "Windows/System32/kernel32.dll",
    "Windows/System32/config/SOFTWARE.sample",
    "Windows/System32/drivers/etc/hosts",
    *(f"Windows/Boot/Fonts/{font}" for font in _BOOT_FONTS),
)


@dataclass(frozen=True)
class SampleMedia:
    """Where the sample was written, and how to tell its editions apart."""

    root: Path  # the media root (holds NanoServer/)
    iso: Path | None
    wim: Path
    nanoserver: Path
    marker_path: str  # inside an image, "/"-separated
    standard_marker: str
    datacenter_marker: str


def _require(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise ToolMissingError(
            f"{tool} is not installed: install it with 'apt-get install {package}'"
        )
    return found


def _run(argv: Sequence[str], cwd: Path | None = None) -> None:
    log.debug("running %s", " ".join(argv))
    result = subprocess.run(
        list(argv),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=child_environment(),
    )
    if result.returncode != 0:
        # Most often the destination is full or read-only: say so, not a traceback.
        raise OutputError(
            f"{Path(argv[0]).name} failed (exit code {result.returncode}) writing the sample "
            f"media: {result.stderr.strip()}"
        )


def _stand_in(path: str) -> bytes:
    text = f"NanoStudio sample stand-in for {path}; not a real Windows file.\r\n"
    head = b"MZ" if path.lower().endswith((".efi", ".exe", ".dll", ".mui")) else b""
    return head + text.encode("ascii") * 8


def _write(root: Path, path: str, data: bytes) -> None:
    target = root.joinpath(*path.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _write_payload(root: Path, mib: int) -> None:
    """``mib`` MiB of mostly incompressible files of varied sizes (same every run)."""
    rng = random.Random(2016)
    remaining = mib * 1024 * 1024
    number = 0
    while remaining > 0:
        size = min(remaining, int(2 ** rng.uniform(12, 24)))  # 4 KiB .. 16 MiB
        target = (
            root / "Windows" / "NanoStudioPayload" / f"d{number // 64:03}" / f"f{number:05}.bin"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            left = size
            while left > 0:
                block = min(left, 64 * 1024)
                # One block in four compresses, like real binaries with tables in them.
                compressible = rng.random() < 0.25
                out.write(bytes(block) if compressible else rng.randbytes(block))
                left -= block
        remaining -= size
        number += 1


def _write_small_files(root: Path, count: int) -> None:
    """``count`` files of 64 bytes to 4 KiB, 500 to a folder (same every run)."""
    rng = random.Random(30000)
    base = root / "Windows" / "NanoStudioSmall"
    for number in range(count):
        if number % 500 == 0:
            folder = base / f"d{number // 500:04}"
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{number:06}.dat").write_bytes(rng.randbytes(rng.randint(64, 4096)))


def _image_properties(edition: Edition) -> list[str]:
    edition_id = _EDITION_IDS[edition]
    properties = {
        "DESCRIPTION": _IMAGE_NAME.format(id=edition_id.upper()),
        "DISPLAYNAME": _DISPLAY_NAME.format(edition=edition.value),
        "DISPLAYDESCRIPTION": f"NanoStudio sample media: a synthetic {edition.value} Nano Server.",
        "FLAGS": edition_id,
        "WINDOWS/ARCH": "9",
        "WINDOWS/PRODUCTNAME": "Microsoft® Windows® Operating System",
        "WINDOWS/EDITIONID": edition_id,
        "WINDOWS/INSTALLATIONTYPE": "Nano Server",
        "WINDOWS/PRODUCTTYPE": "ServerNT",
        "WINDOWS/SYSTEMROOT": "WINDOWS",
        "WINDOWS/VERSION/MAJOR": "10",
        "WINDOWS/VERSION/MINOR": "0",
        "WINDOWS/VERSION/BUILD": "14393",
        "WINDOWS/VERSION/SPBUILD": "0",
        "WINDOWS/LANGUAGES/LANGUAGE": "en-US",
        "WINDOWS/LANGUAGES/DEFAULT": "en-US",
    }
    argv: list[str] = []
    for key, value in properties.items():
        argv += ["--image-property", f"{key}={value}"]
    return argv


def _software_hive(edition: Edition) -> bytes:
    """A SOFTWARE hive with the edition's EditionID, where Windows keeps it (what an
    edit reads to know the edition of a disk it is given)."""
    root = Key("ROOT")
    current = root.key("Microsoft").key("Windows NT").key("CurrentVersion")
    current.set(RegValue.sz("EditionID", _EDITION_IDS[edition]))
    current.set(RegValue.sz("InstallationType", "Nano Server"))
    current.set(RegValue.sz("CurrentBuild", "14393"))
    return build_hive(root, file_name="SOFTWARE")


def _write_wim(wim: Path, image: Path, editions: Sequence[Edition]) -> None:
    tool = _require("wimlib-imagex", "wimtools")
    for number, edition in enumerate(editions):
        _write(image, MARKER_PATH, (_MARKERS[edition] + "\n").encode("ascii"))
        _write(image, "Windows/System32/config/SOFTWARE", _software_hive(edition))
        name = _IMAGE_NAME.format(id=_EDITION_IDS[edition].upper())
        verb = "capture" if number == 0 else "append"
        _run([tool, verb, str(image), str(wim), name, *_image_properties(edition)])


def _mum(package: str, language: str) -> bytes:
    """An update.mum naming the package, like the manifest in the real cabs."""
    identity = {
        "version": "10.0.14393.0",
        "processorArchitecture": "amd64",
        "publicKeyToken": "31bf3856ad364e35",
    }
    assembly = ET.Element(
        "assembly",
        {
            "xmlns": "urn:schemas-microsoft-com:asm.v3",
            "manifestVersion": "1.0",
            "displayName": package,
            "company": "NanoStudio sample (not Microsoft)",
        },
    )
    ET.SubElement(
        assembly,
        "assemblyIdentity",
        {"name": package, **identity, "language": language, "buildType": "release"},
    )
    body = ET.SubElement(
        assembly,
        "package",
        {"identifier": package, "releaseType": "Feature Pack", "restart": "possible"},
    )
    parent = ET.SubElement(body, "parent", {"buildCompare": "EQ", "integrate": "separate"})
    edition = "Microsoft-NanoServer-Edition-Package"
    ET.SubElement(parent, "assemblyIdentity", {"name": edition, **identity, "language": "neutral"})
    ET.indent(assembly)
    data: bytes = ET.tostring(assembly, encoding="utf-8", xml_declaration=True)
    return data


def _write_cab(cab: Path, mum: bytes, work: Path, package_short: str | None = None) -> None:
    """A package cab: update.mum, and for a driver package its driver components
    in folders of their own with the package catalog (see ``sample_drivers``)."""
    tool = _require("gcab", "gcab")
    folder = work / cab.name
    folder.mkdir(parents=True)
    (folder / "update.mum").write_bytes(mum)
    members = ["update.mum"]
    if package_short is not None:
        members += write_package_drivers(folder, package_short)
    cab.parent.mkdir(parents=True, exist_ok=True)
    _run([tool, "--create", "--zip", str(cab.resolve()), *members], cwd=folder)


def _write_packages(packages_dir: Path, languages: Sequence[str], work: Path) -> None:
    for position, language in enumerate(languages):
        folder_name = language.lower() if position == 0 else language[:3] + language[3:].upper()
        for info in PACKAGES:
            suffix = language.upper() if info.short == ODD_CASE_LANGUAGE_CAB else language
            cab = packages_dir / folder_name / f"{info.name}_{suffix}.cab"
            _write_cab(cab, _mum(info.name, language), work / language)
    for info in PACKAGES:
        name = info.name.lower() if info.short == ODD_CASE_PACKAGE else info.name
        _write_cab(
            packages_dir / f"{name}.cab", _mum(info.name, "neutral"), work / "neutral", info.short
        )
    unknown = UNKNOWN_CAB.removesuffix(".cab")
    _write_cab(packages_dir / UNKNOWN_CAB, _mum(unknown, "neutral"), work / "neutral")


def _write_image_tree(image: Path, payload_mib: int, small_files: int = 0) -> None:
    boot = sample_bootmgfw()
    _write(image, "Windows/Boot/EFI/bootmgfw.efi", boot)
    _write(image, "Windows/Boot/EFI/bootmgr.efi", boot)
    for path in _STAND_INS:
        _write(image, path, _stand_in(path))
    _write(image, "Windows/System32/config/SYSTEM", system_hive())
    _write(image, "Windows/System32/config/BCD-Template", bcd_template())
    for empty in ("Windows/Panther", "Windows/Setup/Scripts", "Windows/Temp", "Users/Public"):
        image.joinpath(*empty.split("/")).mkdir(parents=True, exist_ok=True)
    if payload_mib:
        _write_payload(image, payload_mib)
    if small_files:
        _write_small_files(image, small_files)


def _write_iso(iso: Path, media: Path) -> None:
    tool = _require("genisoimage", "genisoimage")
    partial = iso.with_name(iso.name + ".partial")
    try:
        # -udf: Windows media is read through UDF; level 3 allows files over 4 GiB.
        _run(
            [
                tool,
                "-quiet",
                "-udf",
                "-iso-level",
                "3",
                "-V",
                ISO_LABEL,
                "-o",
                str(partial),
                str(media),
            ]
        )
        partial.replace(iso)
    finally:
        remove_quietly(partial)


def write_sample_media(
    dest: Path,
    *,
    make_iso: bool = True,
    payload_mib: int = 0,
    small_files: int = 0,
    languages: Sequence[str] = ("en-us", "de-de"),
    datacenter_first: bool = False,
) -> SampleMedia:
    """Write ``dest/media/NanoServer/...`` and ``dest/nanoserver-sample.iso``.

    ``payload_mib`` adds that much file data to each image (shared, as the real
    editions share almost every file) for benchmarks; ``datacenter_first`` swaps
    the image order so nothing can rely on Standard being index 1; ``small_files``
    adds that many files of at most 4 KiB (benchmarks of per-file cost).
    """
    if payload_mib < 0 or small_files < 0:
        raise ValueError("payload_mib and small_files must not be negative")
    for language in languages:
        if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})+", language):
            raise ValueError(f"not a lower-case language tag like en-us: {language!r}")
    media = dest / "media"
    iso = dest / ISO_NAME if make_iso else None
    for existing in (media, iso):
        if existing is not None and existing.exists():
            raise OutputError(
                f"{existing} already exists: choose an empty folder for the sample media"
            )
    work = dest / ".nanostudio-sample-work"
    shutil.rmtree(work, ignore_errors=True)
    nanoserver = media / "NanoServer"
    wim = nanoserver / "NanoServer.wim"
    try:
        dest.mkdir(parents=True, exist_ok=True)
        nanoserver.mkdir(parents=True)
        (media / "NanoStudio-SAMPLE.txt").write_text(
            "Synthetic Windows Server 2016 media written by NanoStudio for tests and try-outs.\n"
            "Nothing in it is Windows: it cannot boot a server.\n",
            encoding="ascii",
        )
        _write_image_tree(work / "image", payload_mib, small_files)
        editions = [Edition.STANDARD, Edition.DATACENTER]
        _write_wim(wim, work / "image", editions[::-1] if datacenter_first else editions)
        _write_packages(nanoserver / "Packages", languages, work / "cabs")
        if iso is not None:
            _write_iso(iso, media)
    except BaseException as error:
        shutil.rmtree(media, ignore_errors=True)
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write the sample media in {dest} ({error.strerror or error}): "
                "choose a folder you can write to, on a disk with free space"
            ) from error
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return SampleMedia(
        root=media,
        iso=iso,
        wim=wim,
        nanoserver=nanoserver,
        marker_path=MARKER_PATH,
        standard_marker=STANDARD_MARKER,
        datacenter_marker=DATACENTER_MARKER,
    )
