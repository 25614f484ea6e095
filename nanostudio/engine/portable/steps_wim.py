"""The one step of a ``.wim`` output: the chosen image alone, with the staged content."""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.portable.state import DELTA_WIM, BuildState, PortableStep
from nanostudio.engine.process import quote_argv, require_tool
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools import wimlib

GIB = 1 << 30


class ExportWimStep(PortableStep):
    name = "export"
    title = "Export the image into the new WIM"

    def __init__(self, state: BuildState) -> None:
        super().__init__(state)
        self.weight = 1.0 + 4.0 * state.image.total_bytes / GIB

    def _argv(self, tool: str, paths: BuildPaths, source: Path) -> list[str]:
        return wimlib.export_argv(tool, paths.workdir / DELTA_WIM, 1, paths.partial, refs=[source])

    def describe(self, paths: BuildPaths) -> list[str]:
        source = self.state.wim_for_display(paths.workdir)
        return [quote_argv(self._argv(wimlib.TOOL, paths, source))]

    def run(self, ctx: StepContext) -> None:
        _, source = self.state.require_source()
        ctx.run_tool(
            self._argv(require_tool(wimlib.TOOL), ctx.paths, source),
            progress=wimlib.parse_progress,
            failure=(
                "exporting the image failed: NanoServer.wim is damaged or cannot be read, or "
                "the output disk is full"
            ),
        )
