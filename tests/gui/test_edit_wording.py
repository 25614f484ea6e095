"""What the pages say in an edit: no word of a new build, and no greyed-out control
without a reason a keyboard user can read (a tooltip needs a mouse)."""

# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from nanostudio.catalogue import Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.devtools.screenshots import DoublingTranslator
from nanostudio.engine.edit.image_facts import ImageFacts
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.gui.pages.edition import EditionPage
from nanostudio.gui.pages.output import OutputPage
from nanostudio.gui.pages.source import SourcePage
from nanostudio.gui.pages.summary import SummaryPage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.recipe import Target
from nanostudio.wizard import Page
from tests.engine_edit.disk_faults import small_windows_disk
from tests.gui.conftest import fill_valid, go_to


@pytest.fixture
def editing(wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo) -> NanoWizard:
    """A valid new build turned into an edit (the image itself is never read here)."""
    fill_valid(wizard, sample_media, media_info)
    wizard.state.start_edit(wizard.state.output_path.with_name("old.vhdx"))
    return wizard


def test_the_output_page_says_why_format_is_fixed(editing: NanoWizard) -> None:
    page = editing.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    page.initializePage()
    assert not page.format_box.isEnabled()
    assert page.edit_note.isVisibleTo(page)
    assert "of the format it reads" in page.edit_note.text()
    assert "never smaller" in page.edit_note.text()
    editing.state.start_edit(None)
    page.initializePage()
    assert page.format_box.isEnabled() and not page.edit_note.isVisibleTo(page)


@pytest.mark.parametrize(
    ("page", "new", "edit"),
    [
        (Page.EDITION, "what the server is for", "does not change the image's edition"),
        (Page.DRIVERS, "OEM drivers", "the drivers the image has are kept"),
        (Page.IDENTITY, "only for this build", "replaces the image's own"),
        (Page.SUMMARY, "Check the build", "Check the edit"),
    ],
    ids=["edition", "drivers", "identity", "summary"],
)
def test_an_edit_s_pages_speak_of_the_edit(
    editing: NanoWizard, page: Page, new: str, edit: str
) -> None:
    widget = editing.pages[page]
    widget.initializePage()
    assert edit in widget.subTitle() and new not in widget.subTitle()
    image = editing.state.edit_image
    editing.state.start_edit(None)
    widget.initializePage()
    assert new in widget.subTitle() and edit not in widget.subTitle()
    editing.state.start_edit(image)


def test_the_summary_s_copy_button_names_the_edit(editing: NanoWizard) -> None:
    """Its spoken name kept "The same build with New-NanoServerImage" in an edit."""
    page = editing.pages[Page.SUMMARY]
    assert isinstance(page, SummaryPage)
    page.initializePage()
    assert "Edit-NanoServerImage" in page.command.copy_button.accessibleName()
    assert "Edit-NanoServerImage" in page.command.text.accessibleName()
    assert page.sentences.accessibleName() == "Summary of the edit"
    page.wait_idle()


def test_a_long_role_note_leaves_room_for_what_the_role_does(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, media_info: MediaInfo
) -> None:
    """With 2x longer strings the Note column took the width and "What it does" showed
    three letters; now the two share it and the whole note is in the tooltip."""
    app = QCoreApplication.instance()
    assert app is not None
    translator = DoublingTranslator()
    app.installTranslator(translator)
    try:
        fill_valid(wizard, sample_media, media_info)
        go_to(wizard, Page.EDITION)
        page = wizard.pages[Page.EDITION]
        assert isinstance(page, EditionPage)
        roles = page.roles
        items = [roles.topLevelItem(i) for i in range(roles.topLevelItemCount())]
        noted = [item for item in items if item is not None and item.text(2)]
        assert noted
        described = roles.fontMetrics().horizontalAdvance("Hyper-V role: run virtual")
        qtbot.waitUntil(lambda: roles.columnWidth(1) >= described, timeout=2000)
        assert all(item.toolTip(2) == item.text(2) for item in noted)
    finally:
        app.removeTranslator(translator)


def test_the_edition_of_an_edit_is_the_images_once_read(editing: NanoWizard) -> None:
    """The user was asked to pick "the one the image is", unchecked; now it is read."""
    page = editing.pages[Page.EDITION]
    assert isinstance(page, EditionPage)
    editing.state.edit_facts = ImageFacts(edition=Edition.DATACENTER)
    editing.state.edition = Edition.DATACENTER
    page.initializePage()
    assert not page.edition_box.isEnabled()
    assert page.edition_box.currentData() == Edition.DATACENTER
    assert page.edition_note.text() == "The image is Datacenter: an edit keeps its edition."
    editing.state.edit_facts = ImageFacts()  # not read (no ntfs-3g here, say)
    page.initializePage()
    assert page.edition_box.isEnabled()
    assert "could not be read: choose the one it is" in page.edition_note.text()
    editing.state.start_edit(None)
    page.initializePage()
    assert page.edition_box.isEnabled() and not page.edition_note.isVisibleTo(page)


def test_the_source_page_says_what_the_image_already_is(
    editing: NanoWizard, tmp_path: Path
) -> None:
    """The edit starts from the image's edition, name and zone: the page says them."""
    page = editing.pages[Page.SOURCE]
    assert isinstance(page, SourcePage)
    image = small_windows_disk(tmp_path)
    editing.state.start_edit(image)
    page.initializePage()
    page.wait_idle()
    source = inspect_edit_source(image)
    facts = ImageFacts(Edition.STANDARD, "WEB7", "UTC", (Target.KVM,))
    editing.state.take_edit_source(source, facts)
    page.edit_box._show()
    text = page.edit_box.what_label.text()
    assert source.description in text
    assert "Standard · computer name WEB7 · time zone UTC · its own drivers start: KVM" in text
    editing.state.take_edit_source(source, ImageFacts(drivable=()))
    page.edit_box._show()
    assert "edition not read" in page.edit_box.what_label.text()
    assert "start no VM NanoStudio knows" in page.edit_box.what_label.text()
