"""Steps of a ``.wim`` output: export the edition alone, mount it, commit it.

Between mount and commit the image steps service the mounted folder exactly as
they service a disk's Windows partition. If the build stops early, the cleanup
unmounts with ``/Discard`` so no DISM mount is left behind.
"""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.steps import BuildPaths, Cleanup, StepContext
from nanostudio.engine.tools import dism
from nanostudio.engine.windows.calls import DismStep, fresh_log, run_for_cleanup
from nanostudio.engine.windows.job import Job
from nanostudio.engine.windows.layout import Layout
from nanostudio.errors import BuildError


class ExportStep(DismStep):
    name = "export"
    weight = 4.0

    def __init__(self, job: Job) -> None:
        super().__init__(job)
        self.title = f"Export the {job.image.name} image alone"

    def argv(self, layout: Layout) -> list[str]:
        job = self.job
        return dism.export_image(
            self.options(layout),
            job.source_wim(layout.paths),
            job.image.index,
            layout.text(layout.wim_output),
        )

    def subject(self) -> dism.Subject:
        return dism.Subject(f"exporting image {self.job.image.index}")


class MountStep(DismStep):
    name = "mount"
    title = "Mount the exported image"
    weight = 2.0

    def argv(self, layout: Layout) -> list[str]:
        # The exported WIM holds one image: index 1.
        return dism.mount_image(
            self.options(layout),
            layout.text(layout.wim_output),
            1,
            layout.text(layout.windows_dir),
        )

    def subject(self) -> dism.Subject:
        return dism.Subject("mounting the exported image")

    def run(self, ctx: StepContext) -> None:
        job, layout = self.job, self.job.layout(ctx.paths)
        # Recorded before DISM starts: a mount cut short still needs /Discard.
        job.state.mounted_image = layout.windows_dir
        job.state.cleanups["image"] = ctx.push_cleanup(
            "unmount the image (discarding changes)", lambda: discard_mount(job, layout)
        )
        super().run(ctx)


def unmount_argv(options: dism.DismOptions, layout: Layout, *, commit: bool) -> list[str]:
    """Unmount the image mounted on the Windows folder, saving or discarding its changes."""
    return dism.unmount_image(options, layout.text(layout.windows_dir), commit=commit)


def discard_mount(job: Job, layout: Layout) -> None:
    if job.state.mounted_image is None:
        return
    fresh_log(layout.dism_log("discard"))
    argv = unmount_argv(job.dism(layout.paths, "discard"), layout, commit=False)
    result = run_for_cleanup(argv, encoding=job.host.console_encoding)
    if not dism.succeeded(result.returncode, result.tail):
        error = dism.explain(
            dism.find_error(result.tail), result.returncode, dism.Subject("unmounting the image")
        )
        raise BuildError(
            f"{error}; run 'dism /Unmount-Image /MountDir:{layout.text(layout.windows_dir)} "
            "/Discard' as administrator"
        )
    job.state.mounted_image = None


class CommitStep(DismStep):
    name = "commit"
    title = "Save the serviced image (unmount /Commit)"
    weight = 2.0

    def argv(self, layout: Layout) -> list[str]:
        return unmount_argv(self.options(layout), layout, commit=True)

    def subject(self) -> dism.Subject:
        return dism.Subject("saving the serviced image")

    def serviced_file(self, paths: BuildPaths) -> Path:
        """The file DISM mounted, which becomes the output once committed."""
        return self.job.layout(paths).wim_output

    def describe(self, paths: BuildPaths) -> list[str]:
        layout = self.job.layout(paths)
        return [
            *super().describe(paths),
            f"move {layout.text(self.serviced_file(paths))} -> {layout.text(paths.partial)}",
        ]

    def run(self, ctx: StepContext) -> None:
        super().run(ctx)
        job = self.job
        job.state.mounted_image = None
        cleanup: Cleanup | None = job.state.cleanups.pop("image", None)
        if cleanup is not None:
            cleanup.release()
        self.serviced_file(ctx.paths).replace(ctx.paths.partial)
