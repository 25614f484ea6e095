"""An edit whose source is rewritten while it runs, and how an edit's outcome is worded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from nanostudio.engine.events import BuildEvent, StepStarted
from nanostudio.recipe import EditSpec, OutputSpec, Recipe, SourceSpec
from tests.engine_edit.conftest import GIB, Original, sha256
from tests.engine_portable.helpers import build


class _WriteSourceWhenRead(list[BuildEvent]):
    """The build's event sink: when the partition copy starts, another program writes
    the source (its mtime moves, as any write moves it)."""

    def __init__(self, source: Path) -> None:
        super().__init__()
        self.source = source

    def append(self, event: BuildEvent) -> None:
        if isinstance(event, StepStarted) and event.name == "read-source":
            stat = self.source.stat()
            os.utime(self.source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        super().append(event)


def _edit(source: Path, media: Path, output: Path) -> Recipe:
    return Recipe(
        source=SourceSpec(media=media),
        output=OutputSpec(path=output, size=2 * GIB),
        edit=EditSpec(image=source),
    )


def test_a_source_written_during_the_edit_is_one_line(
    original_vhdx: Original, tmp_path: Path
) -> None:
    # Only its size was compared: a disk rewritten to the same size was read as if
    # it were the one inspected.
    source = Path(shutil.copyfile(original_vhdx.path, tmp_path / "busy.vhdx"))
    output = tmp_path / "edited.vhdx"
    events = _WriteSourceWhenRead(source)
    outcome = build(_edit(source, original_vhdx.media, output), events=events)
    assert not outcome.was_successful()
    assert str(outcome).startswith("The edit failed in step 'Read the Windows partition")
    assert "changed since it was inspected" in str(outcome) and "\n" not in str(outcome)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy.vhdx"]  # nothing left
    assert sha256(source) == original_vhdx.digest


def test_an_edit_speaks_of_an_edit(original_vhdx: Original, tmp_path: Path) -> None:
    output = tmp_path / "edited.vhdx"
    output.write_text("in the way")
    outcome = build(_edit(original_vhdx.path, original_vhdx.media, output))
    assert str(outcome) == (
        f"The edit failed: {output} already exists: choose another name or pass --force"
    )
