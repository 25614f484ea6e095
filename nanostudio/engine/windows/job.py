"""What every step of one Windows-engine build shares: inputs, host, state."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import PurePath

from nanostudio.engine.steps import BuildPaths, Step
from nanostudio.engine.tools.dism import DismOptions
from nanostudio.engine.windows.host import WindowsHost
from nanostudio.engine.windows.layout import Layout
from nanostudio.engine.windows.state import BuildState
from nanostudio.media.model import MediaInfo, WimImage
from nanostudio.recipe import OutputFormat, Recipe


class ApplyTool(enum.StrEnum):
    """Who applies the image: DISM (default) or wimlib-imagex.exe (faster) when present."""

    DISM = "dism"
    WIMLIB = "wimlib"


@dataclass
class Job:
    recipe: Recipe
    media: MediaInfo
    image: WimImage
    output_format: OutputFormat
    host: WindowsHost
    apply_tool: ApplyTool = ApplyTool.DISM
    state: BuildState = field(default_factory=BuildState)

    @property
    def is_disk(self) -> bool:
        return self.output_format is not OutputFormat.WIM

    @property
    def language(self) -> str:
        return self.recipe.source.language.lower()

    def layout(self, paths: BuildPaths) -> Layout:
        return Layout(paths, self.host)

    def dism(self, paths: BuildPaths, log_name: str) -> DismOptions:
        layout = self.layout(paths)
        return DismOptions(
            self.state.tools.dism,
            layout.text(layout.dism_log(log_name)),
            layout.text(layout.scratch),
        )

    def image_target(self, paths: BuildPaths) -> str:
        """What DISM's ``/Image:`` names: the mounted Windows partition or WIM image."""
        layout = self.layout(paths)
        return layout.text(layout.windows_dir)

    def source_wim(self, paths: BuildPaths) -> str:
        """The WIM to read: the media's own file, or its copy out of the ISO."""
        layout = self.layout(paths)
        if self.state.source_wim is not None:
            return layout.text(self.state.source_wim)
        if self.media.kind == "iso":
            return layout.text(layout.extracted_wim)
        return layout.text(PurePath(self.media.wim))


class JobStep(Step):
    """A step of the Windows engine: it works on the build's job (inputs, host, state)."""

    def __init__(self, job: Job) -> None:
        self.job = job
