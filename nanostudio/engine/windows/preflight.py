"""Check the host before touching anything: elevation, tools, DISM, the output volume.

Each check is a small function of facts (unit-tested with made-up facts); the
step gathers the facts through the host seam and the real ``dism``.
"""

from __future__ import annotations

from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import dism
from nanostudio.engine.tools.bcdedit import boot_option_commands
from nanostudio.engine.windows.disk_steps import is_bios
from nanostudio.engine.windows.host import (
    DRIVE_FIXED,
    DRIVE_REMOVABLE,
    DRIVE_TYPE_NAMES,
    SYSTEM_LETTER,
    WINDOWS_LETTER,
    VolumeFacts,
    pick_letters,
)
from nanostudio.engine.windows.job import ApplyTool, Job, JobStep
from nanostudio.engine.windows.state import Tools
from nanostudio.errors import ToolMissingError, UserFacingError
from nanostudio.sizes import human_size


class HostNotReadyError(UserFacingError):
    """This Windows host cannot run the build as it is (rights, DISM, volume)."""


def check_elevated(elevated: bool) -> None:
    if not elevated:
        raise HostNotReadyError(
            "the windows engine needs administrator rights (DISM, diskpart and bcdboot "
            "refuse to run without them): start NanoStudio with 'Run as administrator'"
        )


def check_dism_version(banner: str) -> tuple[int, ...]:
    version = dism.parse_version(banner)
    if version is None:
        raise HostNotReadyError(
            "could not read DISM's version from 'dism /?': run NanoStudio on Windows 10 "
            "version 1607 / Windows Server 2016 or later"
        )
    if version[:3] < dism.MIN_VERSION:
        found = ".".join(str(part) for part in version)
        needed = ".".join(str(part) for part in dism.MIN_VERSION)
        raise HostNotReadyError(
            f"this host's DISM is version {found}, older than the Nano Server image "
            f"({needed}): it cannot service the image; run NanoStudio on Windows 10 "
            "version 1607 / Windows Server 2016 or later, or use --engine portable"
        )
    return version


def check_volume(facts: VolumeFacts, folder: str) -> None:
    if facts.drive_type not in (DRIVE_FIXED, DRIVE_REMOVABLE):
        kind = DRIVE_TYPE_NAMES.get(facts.drive_type, str(facts.drive_type))
        raise HostNotReadyError(
            f"{folder} is on a {kind} volume ({facts.root}): Windows attaches virtual disks "
            "only from local volumes; choose an output folder on a local NTFS drive"
        )
    if facts.file_system.upper() != "NTFS":
        raise HostNotReadyError(
            f"{folder} is on a {facts.file_system or 'unknown'} volume ({facts.root}): the "
            "build mounts the new disk's partitions into folders, which needs NTFS; choose "
            "an output folder on an NTFS drive"
        )


def check_free_space(free: int, required: int, folder: str) -> None:
    if free < required:
        raise HostNotReadyError(
            f"not enough free space in {folder}: the build needs about {human_size(required)} "
            f"(the disk file, DISM's scratch files and the media copies), "
            f"{human_size(free)} is free"
        )


def check_script_path(workdir: str, encoding: str, folder: str) -> None:
    """diskpart reads its scripts in the ANSI code page, and they name files in ``workdir``."""
    try:
        workdir.encode(encoding)
    except UnicodeEncodeError:
        raise HostNotReadyError(
            f"the path of {folder} cannot be written in a diskpart script (it reads the "
            "ANSI code page): choose an output folder whose name uses only plain letters "
            "and digits"
        ) from None


def choose_letters(used: set[str], bios: bool) -> tuple[str, str]:
    """(system letter, Windows letter), free and distinct; on BIOS/MBR the one
    partition is both, so one letter serves as both."""
    if bios:
        (windows,) = pick_letters(used, [WINDOWS_LETTER])
        return windows, windows
    system, windows = pick_letters(used, [SYSTEM_LETTER, WINDOWS_LETTER])
    return system, windows


class PreflightStep(JobStep):
    """Refuse a host that cannot finish the build (rights, tools, space, drive letters)."""

    name = "preflight"
    title = "Check this Windows host"
    weight = 0.2

    def __init__(self, job: Job, required_bytes: int) -> None:
        super().__init__(job)
        self.required_bytes = required_bytes

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        tools = ", ".join(self._tool_names())
        lines = [
            "running as administrator (shell32 IsUserAnAdmin)",
            f"tools on PATH: {tools}",
            f"DISM >= {'.'.join(map(str, dism.MIN_VERSION))}, read from: "
            + " ".join(dism.version_argv(self.job.state.tools.dism)),
            f"{layout.text(paths.output.parent)} on a local NTFS volume with "
            f"{human_size(self.required_bytes)} free",
        ]
        if self.job.is_disk:
            lines.append(self._letters_line())
        return lines

    def _letters_line(self) -> str:
        if is_bios(self.job):
            return (
                "a free drive letter for the Windows partition, also the system partition "
                f"({WINDOWS_LETTER} if free)"
            )
        return (
            "two free drive letters: the system partition's and the Windows partition's "
            f"({SYSTEM_LETTER} and {WINDOWS_LETTER} if free)"
        )

    def _tool_names(self) -> list[str]:
        names = ["dism"]
        if self.job.is_disk:
            names += ["diskpart", "bcdboot"]
        if self.job.is_disk and (is_bios(self.job) or boot_option_commands(self.job.recipe.boot)):
            names.append("bcdedit")
        if self.job.apply_tool is ApplyTool.WIMLIB:
            names.append("wimlib-imagex")
        if any(path.suffix.lower() == ".msu" for path in self.job.recipe.packages.servicing):
            names.append("expand")
        if self.job.recipe.files.copy:
            names.append("robocopy")
        return names

    def run(self, ctx: StepContext) -> None:
        job, host = self.job, self.job.host
        job.state.reset()
        check_elevated(host.is_elevated())
        job.state.tools = self._find_tools()
        ctx.report(0.3, "checking DISM")
        # The banner comes first and the command list after it runs past the
        # result's tail: keep the lines as they go by.
        banner: list[str] = []
        ctx.run_tool(
            dism.version_argv(job.state.tools.dism),
            check=False,
            encoding=host.console_encoding,
            progress=lambda line: banner.append(line),  # logged too
        )
        version = check_dism_version("\n".join(banner))
        ctx.log(f"DISM version {'.'.join(map(str, version))}")
        folder = ctx.paths.output.parent
        check_volume(host.volume(folder), str(folder))
        check_free_space(host.free_bytes(folder), self.required_bytes, str(folder))
        if job.is_disk:
            check_script_path(
                job.layout(ctx.paths).text(ctx.paths.workdir), host.script_encoding, str(folder)
            )
            self._choose_letters(ctx)
        layout = job.layout(ctx.paths)
        for folder_path in (layout.scratch, layout.windows_dir, layout.media_dir):
            folder_path.mkdir(parents=True, exist_ok=True)

    def _choose_letters(self, ctx: StepContext) -> None:
        state, bios = self.job.state, is_bios(self.job)
        state.system_letter, state.windows_letter = choose_letters(
            self.job.host.used_drive_letters(), bios
        )
        if bios:
            ctx.log(f"the one partition (system and Windows) will get {state.windows_letter}:")
        else:
            ctx.log(
                f"the system partition will get {state.system_letter}:, "
                f"the Windows partition {state.windows_letter}:"
            )

    def _find_tools(self) -> Tools:
        found: dict[str, str] = {}
        for name in self._tool_names():
            path = self.job.host.find_tool(name)
            if path is None:
                raise ToolMissingError(_missing_tool_message(name))
            found[name] = path
        return Tools(
            dism=found["dism"],
            diskpart=found.get("diskpart", "diskpart"),
            bcdboot=found.get("bcdboot", "bcdboot"),
            bcdedit=found.get("bcdedit", "bcdedit"),
            wimlib=found.get("wimlib-imagex", "wimlib-imagex"),
            expand=found.get("expand", "expand"),
            robocopy=found.get("robocopy", "robocopy"),
        )


def _missing_tool_message(name: str) -> str:
    if name == "wimlib-imagex":
        return (
            "wimlib-imagex.exe was not found on PATH: put wimlib's folder on PATH, or apply "
            "with DISM (unset NANOSTUDIO_WINDOWS_APPLY)"
        )
    return (
        f"{name}.exe was not found on PATH: it ships with Windows 10/11 and Server 2016+ "
        r"in C:\Windows\System32; run NanoStudio on such a host"
    )
