"""DISM command lines (pure), its progress redraws, and its errors in plain words.

Every call gets ``/English`` (so output can be parsed on any UI language),
``/LogPath`` in the build's log folder (its last error lines go into the error
message) and ``/ScratchDir`` in the private temp folder (so DISM writes
nothing in %TEMP%). DISM's exit code is its HRESULT, which does not survive
every platform's exit status, so errors are read from the ``Error: ...`` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_VERSION = (10, 0, 14393)  # the Windows Server 2016 image's own servicing stack
SUCCESS = "The operation completed successfully."
EXIT_REBOOT_REQUIRED = 3010  # ERROR_SUCCESS_REBOOT_REQUIRED: done, for an online image


@dataclass(frozen=True)
class DismOptions:
    """The options every DISM call of a build shares."""

    dism: str  # the executable
    log: str  # /LogPath file
    scratch: str | None = None  # /ScratchDir folder

    def argv(self, *operation: str) -> list[str]:
        tail = ["/English", f"/LogPath:{self.log}"]
        if self.scratch is not None:
            tail.append(f"/ScratchDir:{self.scratch}")
        return [self.dism, *operation, *tail]


def version_argv(dism: str) -> list[str]:
    """``dism /English /?``: prints the banner with the version, needs no image."""
    return [dism, "/English", "/?"]


def apply_image(opts: DismOptions, wim: str, index: int, apply_dir: str) -> list[str]:
    return opts.argv(
        "/Apply-Image", f"/ImageFile:{wim}", f"/Index:{index}", f"/ApplyDir:{apply_dir}"
    )


def add_package(opts: DismOptions, image: str, cab: str) -> list[str]:
    return opts.argv(f"/Image:{image}", "/Add-Package", f"/PackagePath:{cab}")


def add_driver(opts: DismOptions, image: str, folder: str) -> list[str]:
    return opts.argv(f"/Image:{image}", "/Add-Driver", f"/Driver:{folder}", "/Recurse")


def apply_unattend(opts: DismOptions, image: str, unattend: str) -> list[str]:
    return opts.argv(f"/Image:{image}", f"/Apply-Unattend:{unattend}")


def export_image(opts: DismOptions, source: str, index: int, dest: str) -> list[str]:
    return opts.argv(
        "/Export-Image",
        f"/SourceImageFile:{source}",
        f"/SourceIndex:{index}",
        f"/DestinationImageFile:{dest}",
    )


def mount_image(opts: DismOptions, wim: str, index: int, mount_dir: str) -> list[str]:
    return opts.argv(
        "/Mount-Image", f"/ImageFile:{wim}", f"/Index:{index}", f"/MountDir:{mount_dir}"
    )


def unmount_image(opts: DismOptions, mount_dir: str, *, commit: bool) -> list[str]:
    return opts.argv(
        "/Unmount-Image", f"/MountDir:{mount_dir}", "/Commit" if commit else "/Discard"
    )


# "[=====                      10.0%                          ]", redrawn with \r.
_BAR = re.compile(r"^\s*\[[= ]*?(\d{1,3}(?:[.,]\d+)?)%[= ]*\]\s*$")
_VERSION = re.compile(r"^\s*Version:\s*(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?\s*$", re.MULTILINE)
_ERROR = re.compile(r"^\s*Error:\s*(0x[0-9a-fA-F]{8}|\d+)\s*$")
_LOG_HINT = "The DISM log file can be found at"


def parse_progress(line: str) -> float | None:
    """The fraction a DISM progress bar shows, or None for any other line."""
    match = _BAR.match(line)
    if match is None:
        return None
    return min(float(match.group(1).replace(",", ".")), 100.0) / 100.0


def parse_version(text: str) -> tuple[int, ...] | None:
    """``Version: 10.0.19041.844`` from DISM's banner."""
    match = _VERSION.search(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


@dataclass(frozen=True)
class DismError:
    """The code and sentence DISM printed after ``Error:``."""

    code: int
    text: str

    @property
    def hresult(self) -> int:
        """Win32 codes as DISM prints them (``Error: 5``) folded into 0x8007xxxx."""
        if self.code < 0x10000:
            return 0x80070000 | self.code
        return self.code

    @property
    def shown(self) -> str:
        return f"0x{self.code:08x}" if self.code >= 0x10000 else str(self.code)


def find_error(lines: Iterable[str]) -> DismError | None:
    """The last ``Error: <code>`` in the output and the sentence after it."""
    lines = list(lines)
    found: DismError | None = None
    for number, line in enumerate(lines):
        match = _ERROR.match(line)
        if match is None:
            continue
        code_text = match.group(1)
        code = int(code_text, 16) if code_text.lower().startswith("0x") else int(code_text)
        sentence = []
        for following in lines[number + 1 :]:
            if following.strip().startswith(_LOG_HINT) or _ERROR.match(following):
                break
            if following.strip():
                sentence.append(following.strip())
        found = DismError(code, " ".join(sentence))
    return found


# Codes whose meaning the user can act on; the rest are shown as DISM says them.
E_NOT_APPLICABLE = 0x800F081E
E_FILE_NOT_FOUND = 0x80070002
E_INSTALLERS_FAILED = 0x800F0922
E_ACCESS_DENIED = 0x80070005
E_ELEVATION_REQUIRED = 0x800702E4  # Win32 740


@dataclass(frozen=True)
class Subject:
    """What a failing call was working on, for the message."""

    action: str  # "applying the image", "adding Microsoft-NanoServer-DSC-Package"
    package: str | None = None
    edition: str | None = None


def explain(error: DismError | None, returncode: int, subject: Subject) -> str:
    """One sentence that says what failed and what to do."""
    if error is None:
        return f"DISM failed while {subject.action} (exit code {returncode})"
    said = f" ({error.text})" if error.text else ""
    code = error.hresult
    if code == E_NOT_APPLICABLE and subject.package:
        return (
            f"package {subject.package} does not apply to edition {subject.edition}: "
            "remove it from the recipe or choose an edition it supports "
            "(and use the cabs from the same media as the image)"
        )
    if code == E_FILE_NOT_FOUND:
        return (
            f"DISM could not find a file while {subject.action} (error {error.shown}{said}): "
            "check that the media and driver folders are still there"
        )
    if code == E_INSTALLERS_FAILED:
        return (
            f"DISM could not finish {subject.action} (error {error.shown}: the package's "
            "installers failed): the cab may not match this image's version; use cabs "
            "from the same media"
        )
    if code == E_ACCESS_DENIED:
        return (
            f"access denied while {subject.action} (error {error.shown}): run NanoStudio "
            "as administrator and close programs (Explorer, antivirus) holding files "
            "in the output folder"
        )
    if code == E_ELEVATION_REQUIRED:
        return (
            f"DISM needs administrator rights (error {error.shown}): start NanoStudio "
            "with 'Run as administrator'"
        )
    return f"DISM failed while {subject.action} (error {error.shown}{said})"


def log_excerpt(log: Path, *, limit: int = 6) -> list[str]:
    """The last error lines of a DISM log (else its last lines), for the message."""
    try:
        raw = log.read_bytes()
    except OSError:
        return []
    text = (
        raw.decode("utf-16")
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff")
        else raw.decode("utf-8", errors="replace")
    )
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if ", Error " in line or ", Error\t" in line]
    return (errors or lines)[-limit:]


def succeeded(returncode: int, tail: Sequence[str]) -> bool:
    if returncode not in (0, EXIT_REBOOT_REQUIRED):
        return False
    return find_error(tail) is None
