"""Updates (-ServicingPackagePath) and copies (-CopyPath) for the Windows engine.

Updates go in offline with DISM right after the packages, as the generator adds its
servicing packages last, with no language cab. An .msu is unpacked first with
Windows' own ``expand.exe -F:* <msu> <folder>`` (Microsoft's KB 934307); every cab
is then classified from its file list and servicing stack updates go first
(``engine/servicing.py``). Copies are made with ``robocopy`` onto the applied (or
mounted) image, each with a pinned argv; robocopy's exit codes below 8 mean success
(Microsoft's robocopy documentation: 8 and above, at least one failure).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nanostudio.engine.content.staging import copy_sources
from nanostudio.engine.servicing import (
    UpdateCab,
    is_msu,
    order_log,
    order_updates,
    update_cabs_in,
)
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import dism
from nanostudio.engine.windows.calls import run_dism
from nanostudio.engine.windows.job import Job, JobStep
from nanostudio.engine.windows.layout import windows_cmdline
from nanostudio.errors import BuildError
from nanostudio.recipe import CopyPath
from nanostudio.recipe.copies import destination_parts

ROBOCOPY_FAILED = 8  # robocopy: 0-7 success (what was copied), 8 and above failure
# /COPY:DAT: data, attributes, timestamps (no owner or ACLs from this machine);
# /R:0 /W:0: no retries; /NP /NJH /NJS: no progress or banners in the log.
ROBOCOPY_OPTIONS = ("/COPY:DAT", "/R:0", "/W:0", "/NP", "/NJH", "/NJS")


def expand_argv(expand: str, msu: str, folder: str) -> list[str]:
    return [expand, "-F:*", msu, folder]


def is_file_copy(copy: CopyPath) -> bool:
    """A file (robocopy names it), or a folder (robocopy copies its tree). A source that
    is not here (a plan printed elsewhere) is taken for a file if its name has a suffix."""
    if copy.source.exists():
        return copy.source.is_file()
    return bool(copy.source.suffix)


def robocopy_argv(
    robocopy: str, copy: CopyPath, text: Callable[[Path], str], image_folder: Path
) -> list[str]:
    """A folder: its tree into ``<image folder>\\<name>``; a file: into the folder."""
    if is_file_copy(copy):
        return [
            robocopy,
            text(copy.source.parent),
            text(image_folder),
            copy.source.name,
            *ROBOCOPY_OPTIONS,
        ]
    return [
        robocopy,
        text(copy.source),
        text(image_folder / copy.source.name),
        "/E",
        *ROBOCOPY_OPTIONS,
    ]


class UpdatesStep(JobStep):
    """The recipe's .cab and .msu updates, servicing stack updates first."""

    name = "updates"
    weight = 3.0

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        self.updates = job.recipe.packages.servicing
        self.title = f"Add {len(self.updates)} update(s) (servicing stack updates first)"

    def _folder(self, paths: BuildPaths, number: int) -> Path:
        return self.job.layout(paths).workdir / "updates" / f"{number:02d}"

    def describe(self, paths: BuildPaths) -> list[str]:
        job, layout = self.job, self.job.layout(paths)
        lines = []
        for number, update in enumerate(self.updates, 1):
            if is_msu(update):
                folder = layout.text(self._folder(paths, number))
                lines.append(
                    windows_cmdline(
                        expand_argv(job.state.tools.expand, layout.text(update), folder)
                    )
                )
        lines.append(
            "order: servicing stack updates first (told apart by each cab's file list), "
            "then the others as given; every .cab of an .msu except WSUSSCAN.cab"
        )
        for number, update in enumerate(self.updates, 1):
            cab = (
                layout.text(self._folder(paths, number)) + "\\<each update cab>"
                if is_msu(update)
                else layout.text(update)
            )
            argv = dism.add_package(
                job.dism(paths, f"update-{number}"), job.image_target(paths), cab
            )
            lines.append(windows_cmdline(argv))
        return lines

    def run(self, ctx: StepContext) -> None:
        job, layout = self.job, self.job.layout(ctx.paths)
        pairs: list[tuple[Path, Path]] = []
        for number, update in enumerate(self.updates, 1):
            if not is_msu(update):
                pairs.append((update, update))
                continue
            folder = self._folder(ctx.paths, number)
            folder.mkdir(parents=True, exist_ok=True)
            ctx.run_tool(
                expand_argv(job.state.tools.expand, layout.text(update), layout.text(folder)),
                failure=f"expand could not unpack {update}: download it again",
                encoding=job.host.console_encoding,
            )
            cabs = update_cabs_in(folder)
            if not cabs:
                raise BuildError(f"{update} holds no update cab: download it again")
            pairs += [(cab, update) for cab in cabs]
        ordered: list[UpdateCab] = order_updates(pairs)
        ctx.log(order_log(ordered))
        for number, cab in enumerate(ordered, 1):
            log_name = f"update-{number}"
            argv = dism.add_package(
                job.dism(ctx.paths, log_name), job.image_target(ctx.paths), layout.text(cab.path)
            )
            run_dism(
                ctx,
                job,
                argv,
                log_file=layout.dism_log(log_name),
                subject=dism.Subject(f"adding the update {cab.label}", package=cab.path.name),
                start=(number - 1) / len(ordered),
                share=1 / len(ordered),
            )


class CopyStep(JobStep):
    """files.copy onto the image, with robocopy (New-NanoServerImage's Add-Files)."""

    name = "copy"
    title = "Copy files and folders into the image"
    weight = 1.0

    def _calls(self, paths: BuildPaths) -> list[list[str]]:
        job, layout = self.job, self.job.layout(paths)
        calls = []
        for copy in job.recipe.files.copy:
            folder = layout.windows_dir.joinpath(*destination_parts(copy.destination))
            calls.append(robocopy_argv(job.state.tools.robocopy, copy, layout.text, folder))
        return calls

    def describe(self, paths: BuildPaths) -> list[str]:
        return [windows_cmdline(argv) for argv in self._calls(paths)]

    def run(self, ctx: StepContext) -> None:
        copy_sources(self.job.recipe)  # refuses what changed since the check
        calls = self._calls(ctx.paths)
        for number, argv in enumerate(calls, 1):
            result = ctx.run_tool(argv, check=False, encoding=self.job.host.console_encoding)
            if result.returncode >= ROBOCOPY_FAILED:
                tail = "\n".join(result.tail[-5:])
                raise BuildError(
                    f"robocopy could not copy {self.job.recipe.files.copy[number - 1].source} "
                    f"into the image (exit code {result.returncode}):\n{tail}"
                )
            ctx.report(number / len(calls))
