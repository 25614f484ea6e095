"""An edit whose source is rewritten while it runs or is a file the build itself clears
away (its output's .partial or lock, a work folder), and how an edit's outcome is worded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.events import BuildEvent, StepStarted
from nanostudio.recipe import EditSpec, OutputSpec, Recipe, SourceSpec
from tests.engine_edit.conftest import GIB, Original, sha256
from tests.engine_portable.helpers import PASSWORD, build


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


@pytest.mark.parametrize(
    ("source_name", "words"),
    [
        ("disk.vhdx.partial", "rewrites or removes before it starts"),  # was deleted
        (".disk.vhdx.nanostudio-lock", "rewrites or removes before it starts"),  # truncated
        (".nanostudio-old/disk.vhdx", "inside a NanoStudio work folder"),  # removed if stale
    ],
)
def test_the_source_is_never_a_file_the_build_clears_away(
    original_vhdx: Original,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    source_name: str,
    words: str,
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)
    source = tmp_path / source_name
    source.parent.mkdir(exist_ok=True)
    shutil.copyfile(original_vhdx.path, source)
    if source.parent != tmp_path:  # a work folder whose owner is gone: stale, removed
        (source.parent / "owner").write_text("a build that was killed\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["edit", str(source), "--media", str(original_vhdx.media)]
    assert main([*args, "-o", str(tmp_path / "disk.vhdx")]) == 2
    [line] = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert words in line
    assert sha256(source) == original_vhdx.digest
    assert sorted(p.name for p in tmp_path.iterdir()) == before
