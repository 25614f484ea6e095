"""The step of a ``.wim`` output, and what it shares with applying the image to a disk
(``ApplyImageStep`` in steps_disk): one wimlib-imagex call on the staged image."""

from __future__ import annotations

import abc
from pathlib import Path

from nanostudio.engine.portable.state import DELTA_WIM, BuildState, PortableStep
from nanostudio.engine.process import quote_argv, require_tool
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import wimlib

GIB = 1 << 30


class DeltaWimStep(PortableStep):
    """One wimlib-imagex command on the staged delta WIM, with the source WIM as its
    reference (the delta holds only what staging changed); it takes longer the more data
    the image holds."""

    weight_per_gib: float

    def __init__(self, state: BuildState) -> None:
        super().__init__(state)
        self.weight = 1.0 + self.weight_per_gib * state.image.total_bytes / GIB

    @abc.abstractmethod
    def _argv(self, tool: str, paths: BuildPaths, source: Path) -> list[str]: ...

    def describe(self, paths: BuildPaths) -> list[str]:
        source = self.state.wim_for_display(paths.workdir)
        return [quote_argv(self._argv(wimlib.TOOL, paths, source))]

    def run(self, ctx: StepContext) -> None:
        _, source = self.state.require_source()
        argv = self._argv(require_tool(wimlib.TOOL), ctx.paths, source)  # [tool, command, ...]
        ctx.run_tool(
            argv,
            progress=wimlib.parse_progress,
            failure=(
                f"wimlib-imagex {argv[1]} failed: NanoServer.wim is damaged or cannot be read, "
                "or the output disk is full; copy the media again or free some space"
            ),
        )


class ExportWimStep(DeltaWimStep):
    """The one step of a ``.wim`` output: the chosen image alone, with the staged content."""

    name = "export"
    title = "Export the image into the new WIM"
    weight_per_gib = 4.0

    def _argv(self, tool: str, paths: BuildPaths, source: Path) -> list[str]:
        return wimlib.export_argv(tool, paths.workdir / DELTA_WIM, 1, paths.partial, refs=[source])
