""" "Edit an existing image…" with the keyboard alone, as an administrator would: Alt+E
on Welcome, the image typed into the file dialog, Tab and Shift+Tab through each page
of the edit, Alt+B/Alt+N/Enter, and the edited disk built for real."""

# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QWidget,
    QWizard,
)
from pytestqt.exceptions import TimeoutError as WaitTimedOut
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.gui.pages.done import DonePage
from nanostudio.gui.pages.network import NetworkPage
from nanostudio.gui.pages.source import SourcePage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.wizard import Page
from tests.engine_edit.conftest import Original, _original, sha256
from tests.gui import test_keyboard
from tests.gui.conftest import PASSWORD, fill_valid, go_to
from tests.gui.test_accessibility import CONTROLS, is_internal, spoken_name
from tests.gui.test_keyboard import (
    alt,
    mnemonic,
    next_by_enter,
    press,
    type_text,
)

# The offscreen platform cannot raise the file dialog's completer popup or let it grab
# the keyboard; it says so, and the dialog works on.
DIALOG_LIMITATIONS = (
    "^This plugin does not support raise",
    "^This plugin does not support grabbing the keyboard",
)


@pytest.fixture(scope="module")
def original_disk(sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory) -> Original:
    return _original(sample_media, tmp_path_factory.mktemp("to-edit"), "original.vhdx")


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def tab_chain(key: Qt.Key) -> list[QWidget]:
    """The widgets ``key`` (Tab or Backtab) visits from the focus until it is back."""
    start = focused()
    chain = [start]
    for _ in range(80):
        press(key)
        if focused() is start:
            return chain
        chain.append(focused())
    raise AssertionError(f"{key.name} never comes back to {spoken_name(start)!r}")


def reachable_controls(wizard: NanoWizard, page: Page) -> list[QWidget]:
    """What a keyboard user must be able to reach on ``page``: its enabled, shown controls
    (one per radio group: arrows move inside a group) and the wizard's enabled buttons."""
    widget = wizard.pages[page]
    controls: list[QWidget] = [
        control
        for control in widget.findChildren(QWidget)
        if isinstance(control, CONTROLS)
        and not is_internal(control)
        and control.isVisible()
        and control.isEnabled()
        and control.focusPolicy() & Qt.FocusPolicy.TabFocus
        and not (isinstance(control, QRadioButton) and not control.isChecked())
    ]
    buttons = (
        QWizard.WizardButton.BackButton,
        QWizard.WizardButton.NextButton,
        QWizard.WizardButton.CancelButton,
    )
    controls += [
        wizard.button(b)
        for b in buttons
        if wizard.button(b).isVisible() and wizard.button(b).isEnabled()
    ]
    return controls


def check_page_by_tab(wizard: NanoWizard, page: Page) -> None:
    """The page opened with the focus on one of its own controls (never the frame around
    them); Tab reaches every control and comes back, Shift+Tab walks the same ring backwards."""
    first = focused()
    assert wizard.pages[page].isAncestorOf(first), (page.name, spoken_name(first))
    assert not isinstance(first, QScrollArea), page.name
    forward = tab_chain(Qt.Key.Key_Tab)
    missing = [
        spoken_name(control) or type(control).__name__
        for control in reachable_controls(wizard, page)
        if control not in forward
    ]
    assert missing == [], page.name
    backward = tab_chain(Qt.Key.Key_Backtab)
    assert backward == [forward[0], *reversed(forward[1:])], page.name


def check_buddies(wizard: NanoWizard, page: Page) -> None:
    """Each shown caption's Alt+letter puts the focus on its own control."""
    widget = wizard.pages[page]
    wrong = []
    for label in widget.findChildren(QLabel):
        buddy = label.buddy()
        letter = mnemonic(label.text())
        if buddy is None or letter is None or not (label.isVisible() and buddy.isEnabled()):
            continue
        alt(letter)
        if focused() is not (buddy.focusProxy() or buddy):
            wrong.append(f"Alt+{letter} ({label.text()!r}) went to {spoken_name(focused())!r}")
    assert wrong == [], page.name


def choose_in_file_dialog(qtbot: QtBot, path: Path) -> None:
    """Type ``path`` into the open file dialog and press Enter, as a user would."""

    def dialogs() -> list[QFileDialog]:
        shown = QApplication.topLevelWidgets()
        return [w for w in shown if isinstance(w, QFileDialog) and w.isVisible()]

    qtbot.waitUntil(lambda: len(dialogs()) == 1, timeout=2000)  # a mnemonic animates the click
    dialog = dialogs()[0]
    dialog.activateWindow()  # the window manager's job; offscreen has none
    qtbot.waitActive(dialog)
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    assert edit is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit, timeout=2000)
    # The dialog empties the name box once it has listed its folder, and the first Enter
    # may only take the completer's suggestion: as a user would, type it again if it
    # went, and press Enter again while the dialog stays.
    for _ in range(3):
        if edit.text() != str(path):
            press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            type_text(str(path))
        press(Qt.Key.Key_Return)
        if wait_until_or_not(qtbot, lambda: not dialog.isVisible()):
            return
    raise AssertionError(
        f"the file dialog did not take {path}: {type(focused()).__name__} {focused().objectName()}"
        f" has the focus, the name box holds {edit.text() if edit else None!r}"
    )


def wait_until_or_not(qtbot: QtBot, condition: Callable[[], bool], ms: int = 1000) -> bool:
    try:
        qtbot.waitUntil(condition, timeout=ms)
    except WaitTimedOut:
        return False
    return True


@pytest.mark.slow
@pytest.mark.qt_log_ignore(*DIALOG_LIMITATIONS)
def test_an_edit_by_keyboard_alone(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, original_disk: Original
) -> None:
    wizard.activateWindow()
    qtbot.waitActive(wizard)
    # Welcome: the focus is on the first choice; Alt+E opens the image dialog.
    assert focused() is wizard.welcome.new_button
    alt("e")
    choose_in_file_dialog(qtbot, original_disk.path)
    wizard.activateWindow()  # the dialog closed: the window manager would do this
    qtbot.waitActive(wizard)
    assert wizard.current() is Page.SOURCE
    assert wizard.state.edit_image == original_disk.path
    # Source: the image is read; Alt+M to the media path, type it, Enter reads it.
    source = wizard.pages[Page.SOURCE]
    assert isinstance(source, SourcePage)
    qtbot.waitUntil(lambda: wizard.state.edit_source is not None, timeout=30_000)
    check_page_by_tab(wizard, Page.SOURCE)
    check_buddies(wizard, Page.SOURCE)
    alt("m")
    assert focused() is source.path_edit
    type_text(str(sample_media.root))
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.state.media is not None, timeout=30_000)
    next_by_enter(wizard, qtbot, Page.EDITION)  # no Target page in an edit
    # Edition: Alt+B goes back to Source (not to the skipped Target), Alt+N returns.
    check_page_by_tab(wizard, Page.EDITION)
    check_buddies(wizard, Page.EDITION)
    alt("b")
    qtbot.waitUntil(lambda: wizard.current() is Page.SOURCE, timeout=2000)
    alt("n")
    qtbot.waitUntil(lambda: wizard.current() is Page.EDITION, timeout=2000)
    alt("r")
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Space)
    assert wizard.state.roles
    next_by_enter(wizard, qtbot, Page.DRIVERS)
    check_page_by_tab(wizard, Page.DRIVERS)
    check_buddies(wizard, Page.DRIVERS)
    next_by_enter(wizard, qtbot, Page.UPDATES)
    check_page_by_tab(wizard, Page.UPDATES)
    check_buddies(wizard, Page.UPDATES)
    next_by_enter(wizard, qtbot, Page.IDENTITY)
    alt("m")
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text("EDITKEYS")
    alt("p")
    type_text(PASSWORD)
    alt("c")
    type_text(PASSWORD)
    check_page_by_tab(wizard, Page.IDENTITY)
    check_buddies(wizard, Page.IDENTITY)
    next_by_enter(wizard, qtbot, Page.NETWORK)
    check_page_by_tab(wizard, Page.NETWORK)
    check_buddies(wizard, Page.NETWORK)
    # Network: a first-boot command typed, then Tab leaves the box.
    network = wizard.pages[Page.NETWORK]
    assert isinstance(network, NetworkPage)
    alt("c")
    assert focused() is network.commands_edit
    type_text("ipconfig")
    press(Qt.Key.Key_Tab)
    assert focused() is not network.commands_edit
    assert wizard.state.commands == ("ipconfig",)
    alt("n")
    qtbot.waitUntil(lambda: wizard.current() is Page.OUTPUT, timeout=2000)
    check_page_by_tab(wizard, Page.OUTPUT)
    check_buddies(wizard, Page.OUTPUT)
    next_by_enter(wizard, qtbot, Page.SUMMARY)
    check_page_by_tab(wizard, Page.SUMMARY)
    check_buddies(wizard, Page.SUMMARY)
    next_by_enter(wizard, qtbot, Page.BUILD)  # Next is "Build" here
    qtbot.waitUntil(lambda: wizard.current() is Page.DONE, timeout=120_000)
    assert wizard.state.outcome is not None and wizard.state.outcome.was_successful()
    edited = wizard.state.output_path
    assert edited.exists() and edited != original_disk.path
    assert sha256(original_disk.path) == original_disk.digest  # only read
    # Done speaks of the edit: no "Built in", no drivers of a target the edit never had.
    done = wizard.pages[Page.DONE]
    assert isinstance(done, DonePage)
    assert done.result_label.text().startswith("Edited in ")
    assert "keeps the drivers it had" in done.notes.text()
    assert "needs to boot" not in done.notes.text()


def test_tab_leaves_the_first_boot_commands(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, media_info: MediaInfo
) -> None:
    """Tab in the commands box typed a tab character and kept the focus: a trap."""
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.NETWORK)
    network = wizard.pages[Page.NETWORK]
    assert isinstance(network, NetworkPage)
    wizard.activateWindow()
    qtbot.waitActive(wizard)
    network.commands_edit.setFocus(Qt.FocusReason.TabFocusReason)
    type_text("ipconfig")
    press(Qt.Key.Key_Tab)
    assert network.commands_edit.toPlainText() == "ipconfig"
    assert not network.commands_edit.hasFocus()
    press(Qt.Key.Key_Backtab)
    assert network.commands_edit.hasFocus()


def test_a_page_opens_with_the_focus_on_its_first_control(wizard: NanoWizard, qtbot: QtBot) -> None:
    """Not on the scroll area around the page, where the focus shows nothing."""
    wizard.activateWindow()
    qtbot.waitActive(wizard)
    assert QApplication.focusWidget() is wizard.welcome.new_button
    for page in wizard.pages.values():
        assert page.scroll_area.focusPolicy() == Qt.FocusPolicy.NoFocus


@pytest.mark.parametrize("page", list(Page), ids=lambda page: page.name)
def test_every_caption_names_a_control_that_takes_the_focus(wizard: NanoWizard, page: Page) -> None:
    """QLabel gives the focus to its buddy only when the buddy itself takes focus: a row
    of several controls as the buddy made Alt+T, Alt+F, Alt+D do nothing on Identity."""
    dead = [
        label.text()
        for label in wizard.pages[page].findChildren(QLabel)
        if mnemonic(label.text())
        and label.buddy() is not None
        and label.buddy().focusPolicy() == Qt.FocusPolicy.NoFocus
    ]
    assert dead == []


@pytest.mark.parametrize(
    "page", [p for p in Page if p is not Page.TARGET], ids=lambda page: page.name
)
def test_mnemonics_are_unique_on_every_page_of_an_edit(
    wizard: NanoWizard, page: Page, tmp_path: Path
) -> None:
    """The edit shows more (the image box and its WIM index on Source): still one control
    per Alt+letter."""
    wizard.state.start_edit(tmp_path / "old.wim")
    test_keyboard.test_mnemonics_are_unique_on_every_page(wizard, page)
