"""Issue 16, Windows engine: updates (an .msu unpacked with expand, the servicing stack
update first) added offline by DISM after the packages, and copies made with robocopy
onto the applied image; through FAKE dism/diskpart/bcdboot/expand/robocopy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.recipe import CopyPath, FilesSpec
from tests.engine_portable.test_updates_and_copies import make_updates
from tests.windows_engine.builds import (
    assert_machine_clean,
    assert_only_output,
    disk_contents,
    host_recipe,
    plan_for,
    run,
)
from tests.windows_engine.conftest import FakeHost, FakeTools


def _recipe(sample_media: SampleMedia, out: Path, tmp_path: Path) -> Any:
    cu, msu, other = make_updates(tmp_path / "updates")
    tools = tmp_path / "tools"
    (tools / "bin").mkdir(parents=True)
    (tools / "bin" / "tool.exe").write_bytes(b"MZ tool")
    note = tmp_path / "note.txt"
    note.write_text("a note")
    recipe = host_recipe(sample_media.root, out / "nano.vhdx")
    return replace(
        recipe,
        packages=replace(recipe.packages, servicing=(cu, msu, other)),
        files=FilesSpec((CopyPath(tools, "Program Files\\Tools"), CopyPath(note, ""))),
    )


def test_updates_go_in_after_the_packages_servicing_stack_first_and_copies_land(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, tmp_path: Path
) -> None:
    recipe = _recipe(sample_media, out, tmp_path)
    outcome, events = run(plan_for(recipe, fake_host))
    assert outcome.was_successful(), outcome.error
    assert_only_output(out, "nano.vhdx")
    assert_machine_clean(fake_tools)
    calls = fake_tools.calls()
    tools = [c["tool"] for c in calls]
    (expand,) = fake_tools.calls("expand")
    assert expand["argv"][0] == "-F:*" and expand["argv"][1].endswith(".msu")
    added = [
        Path(c["argv"][2].split(":", 1)[1]).name
        for c in calls
        if c["tool"] == "dism" and "/Add-Package" in c["argv"]
    ]
    assert added[-3:] == [
        "Windows10.0-KB4132216-x64.cab",  # the SSU, out of the .msu, first
        "Windows10.0-KB4284880-x64.cab",
        "Windows10.0-KB9-x64.cab",
    ]
    assert not any("WSUSSCAN" in name for name in added)
    assert all(name.startswith(("Microsoft-", "microsoft-")) for name in added[:-3])
    robocopy = fake_tools.calls("robocopy")
    assert robocopy[0]["argv"][2:] == ["/E", "/COPY:DAT", "/R:0", "/W:0", "/NP", "/NJH", "/NJS"]
    # The copies come right after the apply, before packages (the generator's order).
    assert tools.index("robocopy") < next(
        n for n, c in enumerate(calls) if "/Add-Package" in c["argv"]
    )
    assert robocopy[1]["argv"][0] == str(tmp_path) and robocopy[1]["argv"][2] == "note.txt"
    windows = next(p for p in disk_contents(out / "nano.vhdx")["partitions"] if p["fs"] == "NTFS")
    assert windows["files"]["Program Files/Tools/tools/bin/tool.exe"].startswith("MZ tool")
    assert windows["files"]["note.txt"] == "a note"
    log = "\n".join(getattr(e, "text", "") for e in events)
    assert (
        "update order: 1. Windows10.0-KB4132216-x64.cab from windows10.0-kb4132216-x64.msu "
        "(servicing stack update); 2. Windows10.0-KB4284880-x64.cab (cumulative update)" in log
    )


def test_robocopy_failure_is_a_failed_build_naming_the_source(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, tmp_path: Path
) -> None:
    recipe = _recipe(sample_media, out, tmp_path)
    fake_tools.fail("robocopy|note.txt")
    outcome, _ = run(plan_for(recipe, fake_host))
    assert not outcome.was_successful()
    assert "robocopy could not copy" in str(outcome.error) and "note.txt" in str(outcome.error)
    assert_only_output(out, None)
    assert_machine_clean(fake_tools)


def test_an_msu_expand_cannot_open_fails_the_build(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, tmp_path: Path
) -> None:
    recipe = _recipe(sample_media, out, tmp_path)
    fake_tools.fail("expand|.msu")
    outcome, _ = run(plan_for(recipe, fake_host))
    assert not outcome.was_successful()
    assert "expand could not unpack" in str(outcome.error)
    assert_machine_clean(fake_tools)
