"""Issue 16: the wizard model's updates and copies (state, recipe, Summary, validation)."""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.engines import EngineName
from nanostudio.recipe import CopyPath, RecipeField
from nanostudio.wizard import Page
from nanostudio.wizard.navigation import is_busy
from nanostudio.wizard.state import WizardState, apply_recipe, to_recipe
from nanostudio.wizard.summary import summary_sentences
from nanostudio.wizard.validation import page_of, page_problems


def test_updates_and_copies_are_summarised_and_round_trip(tmp_path: Path) -> None:
    update = tmp_path / "windows10.0-kb1-x64.msu"
    update.write_bytes(b"MSCF" + bytes(100))
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "a.exe").write_bytes(b"x" * 2048)
    state = WizardState(engine=EngineName.PORTABLE)
    state.servicing = [update]
    state.copies = [CopyPath(tools, "Tools")]
    text = " ".join(summary_sentences(state))
    assert "1 update(s): windows10.0-kb1-x64.msu; servicing stack updates go in first." in text
    assert "1 file(s) (2.0 KB) are copied into the image." in text
    assert "packages, updates and your other drivers are installed at the first boot" in text
    assert "boot and network drivers the target needs go into the image" in text
    again = WizardState()
    apply_recipe(again, to_recipe(state))
    assert again.servicing == [update] and again.copies == [CopyPath(tools, "Tools")]


def test_the_page_waits_for_sources_being_read_and_never_reads_them_itself(
    tmp_path: Path,
) -> None:
    state = WizardState()
    source = tmp_path / "big"
    state.copies = [CopyPath(source, "")]
    state.scanning_copies = {source}
    assert is_busy(state, Page.UPDATES)
    assert state.copy_scan(source).problem is None  # not read while the worker reads it
    assert source not in state.copy_scans
    assert page_of(RecipeField.FILES_COPY) is Page.UPDATES
    assert page_of(RecipeField.PACKAGES_SERVICING) is Page.UPDATES
    state.scanning_copies.clear()
    problems = page_problems(state, Page.UPDATES)
    assert [p.field for p in problems] == ["files.copy"]
    assert "does not exist" in problems[0].message
