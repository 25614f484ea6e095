"""FAKE dism.exe for tests: replays DISM's transcripts and simulates its effects.

Understands the calls the Windows engine makes: ``/?``, ``/Apply-Image``,
``/Image:... /Add-Package``, ``/Add-Driver``, ``/Apply-Unattend``,
``/Export-Image``, ``/Mount-Image`` (a WIM, or an edit's VHD/VHDX copy with
``/Index:1``), ``/Unmount-Image /Commit|/Discard``.
Images are folders of plain files; WIMs it writes are JSON. See fakecore for
the journal and fault injection.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from tests.support.windows_fakes import fakecore

VERSION = os.environ.get("NANOSTUDIO_FAKE_DISM_VERSION", "10.0.19041.844")
BAR_WIDTH = 58
MESSAGES = {
    0x800F081E: "The specified package is not applicable to this image.",
    0x80070002: "The system cannot find the file specified.",
    0x800F0922: "A processing of advanced installers or generic commands failed.",
    0x80070005: "Access is denied.",
    0x800702E4: "Elevated permissions are required to run DISM.\n"
    "Use an elevated command prompt to complete these tasks.",
    0x80070057: "The parameter is incorrect.",
    0xC1420127: "The specified image in the specified wim is already mounted for read/write "
    "access.",
}


class DismFailure(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def bar(percent: float) -> str:
    """``[=====       42.0%        ]`` as DISM draws it."""
    label = f"{percent:.1f}%"
    filled = round(BAR_WIDTH * percent / 100)
    cells = ["=" if i < filled else " " for i in range(BAR_WIDTH)]
    start = (BAR_WIDTH - len(label)) // 2
    cells[start : start + len(label)] = list(label)
    return "[" + "".join(cells) + "]"


def progress(steps: list[float]) -> None:
    fakecore.redraw([bar(p) for p in steps])


def options(argv: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for arg in argv:
        if not arg.startswith("/"):
            continue
        name, _, value = arg[1:].partition(":")
        found[name.lower()] = value
    return found


def write_log(path: str | None, lines: list[str]) -> None:
    if not path:
        return
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with Path(path).open("a", encoding="utf-8") as log:
        for line in lines:
            log.write(f"{stamp}, {line}\n")


def need_file(path: str) -> Path:
    if not path or not Path(path).is_file():
        raise DismFailure(0x80070002)
    return Path(path)


def need_image(path: str) -> Path:
    root = Path(path)
    if not (root / "Windows").is_dir():
        raise DismFailure(0x80070002)
    return root


def package_identity(cab: Path) -> str:
    stem = cab.stem
    base, _, language = stem.partition("_")
    name = re.sub("(?i)microsoft-nanoserver-", "Microsoft-NanoServer-", base)
    name = re.sub("(?i)-package$", "-Package", name)
    lang = language.lower() if language else ""
    return f"{name}~31bf3856ad364e35~amd64~{lang}~10.0.14393.0"


def image_tree(root: Path, label: str) -> None:
    """A Nano Server image, as far as the tests look at it."""
    files = {
        "Windows/System32/config/SYSTEM": "fake SYSTEM hive",
        "Windows/System32/config/SOFTWARE": "fake SOFTWARE hive",
        "Windows/Boot/EFI/bootmgfw.efi": "fake bootmgfw.efi",
        "Windows/Boot/PCAT/bootmgr": "fake bootmgr",
        "Windows/fake-image.txt": label,
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def apply_image(opts: dict[str, str]) -> None:
    wim = need_file(opts.get("imagefile", ""))
    apply_dir = Path(opts.get("applydir", ""))
    if not apply_dir.is_dir():
        raise DismFailure(0x80070002)
    with wim.open("rb") as stream:
        if stream.read(8) != b"MSWIM\0\0\0":
            raise DismFailure(0xC142011C)
    fakecore.say("Applying image")
    progress([0.0, 4.0, 17.2, 42.0, 73.5, 100.0])
    image_tree(apply_dir, f"index {opts.get('index')} of {wim.name}")


def add_package(opts: dict[str, str], fail: int | None) -> None:
    root = need_image(opts.get("image", ""))
    cab = need_file(opts.get("packagepath", ""))
    identity = package_identity(cab)
    fakecore.say(f"Processing 1 of 1 - Adding package {identity}")
    if fail is not None:
        progress([0.0, 100.0])
        fakecore.say(f"An error occurred - {identity.split('~')[0]} Error: 0x{fail:08x}")
        raise DismFailure(fail)
    progress([0.0, 12.5, 50.0, 100.0])
    mum = root / "Windows/servicing/Packages" / f"{identity}.mum"
    mum.parent.mkdir(parents=True, exist_ok=True)
    mum.write_text(cab.name, encoding="utf-8")


def add_driver(opts: dict[str, str]) -> None:
    root = need_image(opts.get("image", ""))
    folder = Path(opts.get("driver", ""))
    if not folder.is_dir():
        raise DismFailure(0x80070002)
    infs = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".inf")
    fakecore.say("Searching for driver packages to install...")
    fakecore.say(f"Found {len(infs)} driver package(s) to install.")
    for number, inf in enumerate(infs, 1):
        fakecore.say(
            f"Installing {number} of {len(infs)} - {inf}: "
            "The driver package was successfully installed."
        )
        target = root / "Windows/System32/DriverStore/FileRepository" / inf.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(inf.read_text(encoding="utf-8", errors="replace"), encoding="utf-8")


def apply_unattend(opts: dict[str, str]) -> None:
    root = need_image(opts.get("image", ""))
    answers = need_file(opts.get("apply-unattend", ""))
    text = answers.read_text(encoding="utf-8")
    offline = re.search(r'pass="offlineServicing".*?</settings>', text, re.S)
    if offline is None:
        raise DismFailure(0x80070057)
    name = re.search(r"<ComputerName>(.*?)</ComputerName>", offline.group(0))
    value = re.search(
        r"<OfflineAdministratorPassword>\s*<Value>(.*?)</Value>", offline.group(0), re.S
    )
    plain = re.search(r"<PlainText>(.*?)</PlainText>", offline.group(0))
    fakecore.say("Applying the unattend settings to the image")
    progress([0.0, 100.0])
    # As Windows does, keep the settings, not the answer file; the password as a digest.
    settings = {
        "ComputerName": name.group(1) if name else None,
        "OfflineAdministratorPassword.sha256": (
            hashlib.sha256(value.group(1).encode()).hexdigest() if value else None
        ),
        "PlainText": plain.group(1) if plain else None,
    }
    target = root / "Windows/System32/config/fake-offline-settings.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(settings, sort_keys=True), encoding="utf-8")


def export_image(opts: dict[str, str]) -> None:
    source = need_file(opts.get("sourceimagefile", ""))
    dest = Path(opts.get("destinationimagefile", ""))
    fakecore.say("Exporting image")
    progress([0.0, 33.3, 66.6, 100.0])
    content = {"fake": "wim", "source": source.name, "index": opts.get("sourceindex")}
    dest.write_text(json.dumps(content), encoding="utf-8")


# An edit mounts a real VHD/VHDX copy: its image is the standard tree plus these files
# (JSON: image path -> text), as an image that has packages and a first-boot script.
DISK_FILES_ENV = "NANOSTUDIO_FAKE_DISM_DISK_FILES"


def mount_image(opts: dict[str, str]) -> None:
    wim = need_file(opts.get("imagefile", ""))
    mount_dir = Path(opts.get("mountdir", ""))
    mounts = fakecore.load_state("dism-mounts")
    if str(mount_dir) in mounts:
        raise DismFailure(0xC1420127)
    if not mount_dir.is_dir() or any(mount_dir.iterdir()):
        raise DismFailure(0x80070057)
    disk = wim.suffix.lower() in (".vhd", ".vhdx")
    if disk and opts.get("index") != "1":
        raise DismFailure(0x80070057)  # a VHD/VHDX holds one image: /Index:1
    fakecore.say("Mounting image")
    progress([0.0, 50.0, 100.0])
    mounts[str(mount_dir)] = str(wim)
    fakecore.save_state("dism-mounts", mounts)
    if disk:
        image_tree(mount_dir, f"the Windows partition of {wim.name}")
        extra: dict[str, str] = json.loads(os.environ.get(DISK_FILES_ENV, "{}"))
        for relative, text in extra.items():
            path = mount_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return
    content = json.loads(wim.read_text(encoding="utf-8"))
    image_tree(mount_dir, f"index {content['index']} of {content['source']}")


def unmount_image(opts: dict[str, str]) -> None:
    mount_dir = Path(opts.get("mountdir", ""))
    mounts = fakecore.load_state("dism-mounts")
    wim = mounts.get(str(mount_dir))
    if wim is None:
        raise DismFailure(0x80070057)
    if "commit" in opts:
        fakecore.say("Saving image")
        progress([0.0, 100.0])
        disk = Path(wim).suffix.lower() in (".vhd", ".vhdx")
        # A committed disk becomes a FAKE disk: JSON describing its Windows partition.
        content = {"fake": "disk"} if disk else json.loads(Path(wim).read_text(encoding="utf-8"))
        content["files"] = fakecore.tree_listing(mount_dir)
        Path(wim).write_text(json.dumps(content, sort_keys=True), encoding="utf-8")
    fakecore.say("Unmounting image")
    progress([0.0, 100.0])
    for child in mount_dir.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    del mounts[str(mount_dir)]
    fakecore.save_state("dism-mounts", mounts)


def banner() -> None:
    fakecore.say("")
    fakecore.say("Deployment Image Servicing and Management tool")
    fakecore.say(f"Version: {VERSION}")
    fakecore.say("")


# ``dism /English /?`` lists every command after the banner: far more lines than
# a ToolResult's tail keeps, so the version must be read as the banner goes by.
HELP_SECTIONS = {
    "GENERIC IMAGING COMMANDS": (
        "/Split-Image /Apply-Image /Get-MountedImageInfo /Get-ImageInfo /Commit-Image "
        "/Unmount-Image /Mount-Image /Remount-Image /Cleanup-Mountpoints"
    ),
    "WIM COMMANDS": (
        "/Apply-CustomDataImage /Capture-CustomImage /Get-WIMBootEntry /Update-WIMBootEntry "
        "/List-Image /Delete-Image /Export-Image /Append-Image /Capture-Image /Get-MountedWimInfo "
        "/Get-WimInfo /Commit-Wim /Unmount-Wim /Mount-Wim /Remount-Wim /Cleanup-Wim"
    ),
    "IMAGE SPECIFICATIONS": "/Online /Image",
    "DISM OPTIONS": (
        "/English /Format /WinDir /SysDriveDir /LogPath /LogLevel /NoRestart /Quiet /ScratchDir"
    ),
}


def help_text() -> None:
    fakecore.say("")
    fakecore.say("DISM.exe [dism_options] {Imaging_command} [<Imaging_arguments>]")
    fakecore.say("DISM.exe {/Image:<path_to_offline_image> | /Online} [dism_options]")
    fakecore.say("         {servicing_command} [<servicing_arguments>]")
    fakecore.say("")
    for section, switches in HELP_SECTIONS.items():
        fakecore.say(f"{section}:")
        fakecore.say("")
        for switch in switches.split():
            fakecore.say(f"  {switch:<24}- (FAKE) what {switch} does.")
        fakecore.say("")
    fakecore.say("  Examples:")
    fakecore.say("    DISM.exe /Mount-Image /?")
    fakecore.say("")


def main(argv: list[str]) -> int:
    command_line = " ".join(argv)
    fakecore.journal({"tool": "dism", "argv": argv})
    opts = options(argv)
    log_path = opts.get("logpath")
    banner()
    if "?" in opts:
        help_text()
        return 0
    image = opts.get("image")
    if image:
        fakecore.say("Image Version: 10.0.14393.0")
        fakecore.say("")
    detail = fakecore.failure("dism", command_line)
    code = int(detail, 16) if detail and detail.lower().startswith("0x") else None
    if detail and code is None:
        code = 0x80070000 | int(detail)
    if fakecore.hangs("dism", command_line):
        fakecore.redraw([bar(0.0), bar(12.0), bar(42.0)])
        fakecore.hang("dism")
    write_log(
        log_path, ["Info                  DISM   DISM.EXE: <----- Starting Dism.exe session ----->"]
    )
    try:
        if "add-package" in opts:
            add_package(opts, code)  # fails after "Processing 1 of 1", as DISM does
        elif code is not None:
            progress([0.0, 5.0])
            raise DismFailure(code)
        elif "apply-image" in opts:
            apply_image(opts)
        elif "add-driver" in opts:
            add_driver(opts)
        elif "apply-unattend" in opts:
            apply_unattend(opts)
        elif "export-image" in opts:
            export_image(opts)
        elif "mount-image" in opts:
            mount_image(opts)
        elif "unmount-image" in opts:
            unmount_image(opts)
        else:
            raise DismFailure(0x80070057)
    except DismFailure as failure:
        shown = f"0x{failure.code:08x}"
        if failure.code & 0xFFFF0000 == 0x80070000 and failure.code & 0xFFFF < 1000:
            shown = str(failure.code & 0xFFFF)  # DISM prints Win32 codes in decimal
        hr = f"hr:0x{failure.code:08x}"
        write_log(
            log_path,
            [
                "Error                 DISM   DISM Package Manager: PID=4242 TID=4243 "
                f"Failed while processing command. - CDISMManager::ExecuteCmdLine({hr})",
                f"Error                 DISM   DISM.EXE: Failed to process the command line. {hr}",
            ],
        )
        fakecore.say("")
        fakecore.say(f"Error: {shown}")
        fakecore.say("")
        for line in MESSAGES.get(failure.code, "The operation failed.").splitlines():
            fakecore.say(line)
        fakecore.say("")
        fakecore.say(f"The DISM log file can be found at {log_path}")
        return failure.code & 0xFF or 1
    write_log(
        log_path, ["Info                  DISM   DISM.EXE: <----- Ending Dism.exe session ----->"]
    )
    fakecore.say("The operation completed successfully.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
