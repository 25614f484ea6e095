"""Steps around the virtual disk: create and partition it, make it boot, detach it.

The disk is created in the private temp folder (diskpart wants a .vhd/.vhdx
name) and renamed to ``*.partial`` only once detached; the runner then renames
it to the output. A cleanup registered *before* diskpart starts detaches
whatever the state record says is attached if the build stops early.
"""

from __future__ import annotations

import abc
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from nanostudio.engine.process import ToolResult
from nanostudio.engine.steps import BuildPaths, Cleanup, ProgressParser, StepContext
from nanostudio.engine.tools import bcdboot, bcdedit, diskpart
from nanostudio.engine.windows.calls import run_for_cleanup
from nanostudio.engine.windows.job import Job, JobStep
from nanostudio.engine.windows.layout import Layout, windows_cmdline
from nanostudio.errors import BuildError
from nanostudio.recipe import Firmware, OutputFormat
from nanostudio.recipe.model import MIB

Runner = Callable[[list[str], ProgressParser], ToolResult]


def partition_style(job: Job) -> diskpart.PartitionStyle:
    if job.output_format is OutputFormat.VHD:
        return diskpart.PartitionStyle.MBR
    return diskpart.PartitionStyle.GPT


def is_bios(job: Job) -> bool:
    """The .vhd: MBR, one active partition that is system and Windows partition."""
    return partition_style(job) is diskpart.PartitionStyle.MBR


def system_letter(job: Job) -> str:
    """The letter bcdboot's ``/s`` names: the ESP's on GPT; on MBR the one
    partition's, which is the Windows partition's letter."""
    return job.state.windows_letter if is_bios(job) else job.state.system_letter


def size_mib(job: Job) -> int:
    return math.ceil(job.recipe.output.size / MIB)


def vdisk(job: Job, layout: Layout) -> Path:
    """The disk file, built in the temp folder under a fixed name."""
    return layout.vdisk(job.output_format.value)


def create_script(job: Job, layout: Layout) -> diskpart.Script:
    return diskpart.create_disk_script(
        layout.text(vdisk(job, layout)),
        size_mib(job),
        partition_style(job),
        windows_folder=layout.text(layout.windows_dir),
        windows_letter=job.state.windows_letter,
        system_letter=None if is_bios(job) else job.state.system_letter,
    )


def current_detach_script(job: Job, layout: Layout) -> diskpart.Script:
    return diskpart.detach_script(layout.text(vdisk(job, layout)), job.state.disk.access_paths)


def planned_detach_script(job: Job, layout: Layout) -> diskpart.Script:
    """The detach script after a complete create script (for the plan)."""
    done = [c.access for c in create_script(job, layout).commands if c.access is not None]
    return diskpart.detach_script(layout.text(vdisk(job, layout)), done)


def describe_script(
    layout: Layout, name: str, script: diskpart.Script, diskpart_exe: str
) -> list[str]:
    path = layout.text(layout.script(name))
    lines = [f"write {path}:"]
    lines += [f"    {line}" for line in script.text.splitlines()]
    lines.append(windows_cmdline([diskpart_exe, "/s", path]))
    return lines


def run_script(
    job: Job, layout: Layout, name: str, watcher: diskpart.DiskpartWatcher, run: Runner
) -> ToolResult:
    """Write and run a script; a zero exit means every command succeeded.

    diskpart /s stops with a non-zero exit at the first failing command, so on
    success every command is recorded even if its sentence was not recognised
    (diskpart speaks the Windows UI language; DISM can be told ``/English``).
    """
    path = layout.script(name)
    # Preflight checked that the temp folder's path, the only non-ASCII text
    # a script can hold, is written in this encoding.
    path.write_bytes(watcher.script.text.encode(job.host.script_encoding))
    result = run([job.state.tools.diskpart, "/s", layout.text(path)], watcher)
    if result.ok:
        watcher.finish()
    return result


def diskpart_failure(what: str, result: ToolResult, watcher: diskpart.DiskpartWatcher) -> str:
    said = diskpart.find_error(result.tail)
    # Where it stopped is known only if diskpart spoke English (its sentences were seen).
    stopped = watcher.failed_command if watcher.done or said else None
    where = f" at '{stopped.text}'" if stopped else ""
    because = f": {said.rstrip('.')}" if said else f" (exit code {result.returncode})"
    return f"diskpart could not {what}{where}{because}"


def detach(job: Job, layout: Layout, run: Runner) -> None:
    """Remove the letters/folders diskpart assigned, detach; raise if it stays attached."""
    disk = job.state.disk
    if not disk.needs_detach:
        return
    confirmed = disk.attached
    watcher = diskpart.DiskpartWatcher(current_detach_script(job, layout), disk.record)
    result = run_script(job, layout, "detach", watcher, run)
    if result.ok:
        return
    if not confirmed:
        # The attach itself never reported success: nothing to detach is expected.
        disk.attach_started = False
        return
    by_hand = f"detach {layout.text(vdisk(job, layout))} by hand"
    raise BuildError(
        diskpart_failure("detach the virtual disk", result, watcher)
        + f"; {by_hand} (Disk Management: Action > Detach VHD)"
    )


class CreateDiskStep(JobStep):
    name = "disk"
    weight = 1.0

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        style = partition_style(job)
        if style is diskpart.PartitionStyle.GPT:
            kind = "GPT: EFI system + MSR + Windows"
        else:
            kind = "MBR: one active Windows partition"
        self.title = f"Create the virtual disk ({kind})"

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        return describe_script(
            layout, "create", create_script(self.job, layout), self.job.state.tools.diskpart
        )

    def run(self, ctx: StepContext) -> None:
        job, layout = self.job, self.job.layout(ctx.paths)
        disk = job.state.disk
        disk.attach_started = True
        job.state.cleanups["disk"] = ctx.push_cleanup(
            "detach the virtual disk",
            lambda: detach(job, layout, _cleanup_runner(job)),
        )
        watcher = diskpart.DiskpartWatcher(create_script(job, layout), disk.record)
        result: ToolResult | None = None
        try:
            result = run_script(job, layout, "create", watcher, _step_runner(ctx, job))
        finally:
            understood = bool(watcher.done) or (
                result is not None and diskpart.find_error(result.tail) is not None
            )
            if not understood:
                # Cancelled, or diskpart speaks another UI language: the disk may
                # exist and be attached, so cleanup tries a detach (failure tolerated).
                disk.created = True
        if not result.ok:
            raise BuildError(diskpart_failure("create the virtual disk", result, watcher))


class BootStep(JobStep):
    name = "boot"
    title = "Make the disk bootable (bcdboot)"
    weight = 0.5

    def firmware(self) -> Firmware:
        return Firmware.BIOS if is_bios(self.job) else Firmware.UEFI

    def argv(self) -> list[str]:
        job = self.job
        return bcdboot.bcdboot_argv(
            job.state.tools.bcdboot,
            bcdboot.windows_source(job.state.windows_letter),
            system_letter(job),
            self.firmware(),
            job.language,
        )

    def describe(self, paths: BuildPaths) -> list[str]:
        return [windows_cmdline(self.argv())]

    def run(self, ctx: StepContext) -> None:
        result = ctx.run_tool(self.argv(), check=False, encoding=self.job.host.console_encoding)
        verdict = bcdboot.verdict(result.tail)
        if not result.ok or verdict is False:
            raise BuildError(
                bcdboot.failure_message(result.tail, system_letter(self.job), result.returncode)
            )


class _BcdeditStep(JobStep):
    """A series of ``bcdedit /store <the new disk's BCD> ...`` commands; the first
    that fails stops the build with what bcdedit said."""

    weight = 0.2

    def store(self) -> str:
        letter = system_letter(self.job)
        return bcdedit.bios_store(letter) if is_bios(self.job) else bcdedit.uefi_store(letter)

    @abc.abstractmethod
    def commands(self) -> Sequence[tuple[str, ...]]:
        """Each command's words after ``/store <store>``, in order."""

    def _argv(self, command: tuple[str, ...]) -> list[str]:
        return bcdedit.command_argv(self.job.state.tools.bcdedit, self.store(), command)

    def describe(self, paths: BuildPaths) -> list[str]:
        return [windows_cmdline(self._argv(command)) for command in self.commands()]

    def run(self, ctx: StepContext) -> None:
        commands = self.commands()
        for number, command in enumerate(commands):
            ctx.report(number / len(commands), f"bcdedit: {bcdedit.what_it_sets(command)}")
            result = ctx.run_tool(
                self._argv(command), check=False, encoding=self.job.host.console_encoding
            )
            if not result.ok:
                raise BuildError(
                    bcdedit.failure_message(result.tail, self.store(), command, result.returncode)
                )


class LocateStep(_BcdeditStep):
    """BIOS only: the boot manager and loader find their partition (``locate``)
    instead of naming it, as Convert-WindowsImage sets them (see ``bcdedit``)."""

    name = "locate"
    title = "Let the BIOS boot entries locate their partition (bcdedit)"

    def commands(self) -> Sequence[tuple[str, ...]]:
        return bcdedit.LOCATE_COMMANDS


class BootOptionsStep(_BcdeditStep):
    """EMS and serial kernel debugging, set as New-NanoServerImage sets them."""

    name = "boot-options"
    title = "Turn on the EMS console and kernel debugging (bcdedit)"

    def commands(self) -> Sequence[tuple[str, ...]]:
        return bcdedit.boot_option_commands(self.job.recipe.boot)


class DetachStep(JobStep):
    name = "detach"
    title = "Detach the virtual disk"
    weight = 0.3

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        lines = describe_script(
            layout, "detach", planned_detach_script(self.job, layout), self.job.state.tools.diskpart
        )
        lines.append(f"move {layout.text(vdisk(self.job, layout))} -> {layout.text(paths.partial)}")
        return lines

    def run(self, ctx: StepContext) -> None:
        job, layout = self.job, self.job.layout(ctx.paths)
        detach(job, layout, _step_runner(ctx, job))
        cleanup: Cleanup | None = job.state.cleanups.pop("disk", None)
        if cleanup is not None:
            cleanup.release()
        move_when_released(vdisk(job, layout), ctx.paths.partial)


def move_when_released(source: Path, dest: Path, *, tries: int = 10, pause_s: float = 0.5) -> None:
    """Rename ``source``; Windows may hold a just-detached disk file for a moment."""
    for attempt in range(tries):
        try:
            source.replace(dest)
            return
        except PermissionError:
            if attempt == tries - 1:
                raise BuildError(
                    f"{source} is still in use after it was detached: close programs that "
                    "opened it (Explorer, antivirus) and build again"
                ) from None
            time.sleep(pause_s)


def _step_runner(ctx: StepContext, job: Job) -> Runner:
    def run(argv: list[str], parser: ProgressParser) -> ToolResult:
        return ctx.run_tool(argv, progress=parser, check=False, encoding=job.host.console_encoding)

    return run


def _cleanup_runner(job: Job) -> Runner:
    def run(argv: list[str], parser: ProgressParser) -> ToolResult:
        return run_for_cleanup(argv, progress=parser, encoding=job.host.console_encoding)

    return run
