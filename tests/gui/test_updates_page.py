"""Issue 16 in the wizard: the Updates and files page (bad input of each kind blocks
Next with its reason), and Welcome's "Import a New-NanoServerImage script"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.gui.pages.updates import UpdatesPage
from nanostudio.gui.pages.welcome import WelcomePage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import CopyPath
from nanostudio.wizard import Page
from nanostudio.wizard.state import to_recipe
from tests.gui.conftest import fill_valid, go_to


@pytest.fixture
def page(wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo) -> UpdatesPage:
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.UPDATES)
    found = wizard.pages[Page.UPDATES]
    assert isinstance(found, UpdatesPage)
    return found


def _next_enabled(wizard: NanoWizard) -> bool:
    return wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_updates_and_copies_reach_the_recipe_with_sizes(
    wizard: NanoWizard, page: UpdatesPage, qtbot: QtBot, tmp_path: Path
) -> None:
    update = tmp_path / "windows10.0-kb1-x64.msu"
    update.write_bytes(b"MSCF" + bytes(2000))
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "a.exe").write_bytes(b"x" * 3000)
    page.add_updates([update])
    page.add_sources([tools])
    assert wizard.state.scanning_copies == {tools}  # read on a worker, not here
    qtbot.waitUntil(lambda: not wizard.state.scanning_copies, timeout=10_000)
    first_copy = page.copy_list.topLevelItem(0)
    assert first_copy is not None
    page.copy_list.setCurrentItem(first_copy)
    page.destination_edit.setText("/Program Files/")
    page.destination_edit.textEdited.emit("/Program Files/")
    recipe = to_recipe(wizard.state)
    assert recipe.packages.servicing == (update,)
    assert recipe.files.copy == (CopyPath(tools, "Program Files"),)
    item = page.copy_list.topLevelItem(0)
    assert item is not None and item.text(1) == "C:\\Program Files"
    assert "3.0 KB in 1 file" in item.text(2)
    assert "to copy" in page.total_label.text()
    assert "FIRST BOOT" in page.update_note.text()
    assert _next_enabled(wizard)


def test_bad_updates_and_copies_block_next_with_their_reason(
    wizard: NanoWizard, page: UpdatesPage, qtbot: QtBot, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("x")
    page.add_updates([text])
    assert not _next_enabled(wizard)
    assert "is not a .cab or .msu update" in page.shown_problems()["packages.servicing"]
    first_update = page.update_list.topLevelItem(0)
    assert first_update is not None
    page.update_list.setCurrentItem(first_update)
    page.remove_update_button.click()
    assert _next_enabled(wizard)
    if os.name != "nt":
        link = tmp_path / "link"
        link.symlink_to(tmp_path)
        page.add_sources([link])
        qtbot.waitUntil(lambda: not wizard.state.scanning_copies, timeout=10_000)
        assert "is a link" in page.shown_problems()["files.copy"]
        assert not _next_enabled(wizard)
        wizard.state.copies.clear()
    folder = tmp_path / "ok"
    folder.mkdir()
    page.add_sources([folder])
    qtbot.waitUntil(lambda: not wizard.state.scanning_copies, timeout=10_000)
    page.set_destination(0, "..\\Windows")
    assert "leaves the image" in page.shown_problems()["files.copy"]
    page.set_destination(0, "Tools")
    assert _next_enabled(wizard)
    config = tmp_path / "hives" / "config"
    config.mkdir(parents=True)
    page.add_sources([config], "Windows\\System32")
    qtbot.waitUntil(lambda: not wizard.state.scanning_copies, timeout=10_000)
    assert "Windows' own registry hives" in page.shown_problems()["files.copy"]
    assert not _next_enabled(wizard)


def test_welcome_imports_a_script_and_lists_what_it_cannot_map(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, tmp_path: Path
) -> None:
    welcome = wizard.pages[Page.WELCOME]
    assert isinstance(welcome, WelcomePage)
    bad = tmp_path / "bad.ps1"
    bad.write_text("Get-ChildItem\n", encoding="utf-8")
    assert not welcome.import_script(bad)
    assert "holds no New-NanoServerImage" in welcome.page_problems.text()
    script = tmp_path / "image-builder.ps1"
    script.write_text(
        f"New-NanoServerImage -MediaPath '{sample_media.root}' -Edition 'Standard' "
        "-DeploymentType Guest -TargetPath 'C:\\out\\n.vhdx' -ComputerName 'WEB9' "
        "-Package 'Microsoft-NanoServer-DSC-Package' -DomainName 'corp.example'\n",
        encoding="utf-8",
    )
    assert welcome.import_script(script)
    assert wizard.current() is Page.SOURCE
    assert wizard.state.computer_name == "WEB9" and wizard.state.roles == ["DSC"]
    box = welcome.unmapped_box
    assert box is not None and box.isVisible()
    assert "-DomainName: an import does not harvest a blob" in box.informativeText()
    box.close()
