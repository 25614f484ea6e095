"""The wizard with the keyboard alone: unique mnemonics per page, Enter means Next,
a visible focus on every control, and a whole walk from Welcome to Done by keys."""

# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QGroupBox,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.devtools.walk import wait_until
from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.pages.drivers import DriversPage
from nanostudio.gui.pages.target import TargetPage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.wizard import Page, Target
from nanostudio.wizard.navigation import is_busy
from tests.gui.conftest import PASSWORD, fill_valid, go_to
from tests.gui.test_accessibility import CONTROLS, is_internal, spoken_name

_MNEMONIC = re.compile(r"&(?!&)(\S)")


def mnemonic(text: str) -> str | None:
    """The Alt+letter of a caption ("&&" is a literal ampersand)."""
    match = _MNEMONIC.search(text.replace("&&", ""))
    return match.group(1).lower() if match else None


def stack_path(widget: QWidget, page: QWidget) -> dict[int, int]:
    """Which page of each stack (stacked widgets, tabs) the widget sits on: widgets on
    different pages of one stack are never visible together, so they may share a letter."""
    path: dict[int, int] = {}
    child, parent = widget, widget.parentWidget()
    while parent is not None and child is not page:
        if isinstance(parent, QStackedWidget):
            path[id(parent)] = parent.indexOf(child)
        child, parent = parent, parent.parentWidget()
    return path


def wizard_buttons(wizard: NanoWizard, page: Page) -> list[tuple[str, str]]:
    """The wizard's own buttons shown on ``page``, with the page's own texts."""
    widget = wizard.pages[page]
    which = []
    if page is not Page.WELCOME:
        which.append(QWizard.WizardButton.BackButton)
    if page is Page.DONE:
        which.append(QWizard.WizardButton.FinishButton)
    else:
        which += [QWizard.WizardButton.NextButton, QWizard.WizardButton.CancelButton]
    return [(widget.buttonText(button), f"wizard {button.name}") for button in which]


def captions(widget: QWidget) -> list[tuple[str, str, dict[int, int]]]:
    """Every caption with a mnemonic: labels with a buddy, buttons and check boxes,
    group boxes, tabs; each with where it sits (see ``stack_path``)."""
    found: list[tuple[str, str, dict[int, int]]] = []
    for child in widget.findChildren(QWidget):
        texts: list[str] = []
        if (isinstance(child, QLabel) and child.buddy() is not None) or isinstance(
            child, QAbstractButton
        ):
            texts.append(child.text())
        elif isinstance(child, QGroupBox):
            texts.append(child.title())
        elif isinstance(child, QTabBar):
            texts += [child.tabText(i) for i in range(child.count())]
        path = stack_path(child, widget)
        found += [(text, type(child).__name__, path) for text in texts if mnemonic(text)]
    return found


@pytest.mark.parametrize("page", list(Page), ids=lambda page: page.name)
def test_mnemonics_are_unique_on_every_page(wizard: NanoWizard, page: Page) -> None:
    widget = wizard.pages[page]
    if page is not Page.BUILD:  # entering Build would start a build
        widget.initializePage()
    entries: list[tuple[str, str, dict[int, int]]] = [
        (text, kind, {}) for text, kind in wizard_buttons(wizard, page)
    ]
    entries += captions(widget)
    clashes = []
    for i, (text, kind, path) in enumerate(entries):
        for other, other_kind, other_path in entries[i + 1 :]:
            together = all(path[s] == other_path[s] for s in path.keys() & other_path.keys())
            if together and mnemonic(text) == mnemonic(other):
                clashes.append(
                    f"Alt+{mnemonic(text)}: {text!r} ({kind}) and {other!r} ({other_kind})"
                )
    assert clashes == []


def test_next_back_and_cancel_keep_their_keys(wizard: NanoWizard) -> None:
    for page in Page:
        texts = dict((name, text) for text, name in wizard_buttons(wizard, page))
        if "wizard NextButton" in texts and page is not Page.SUMMARY:  # Summary: B&uild
            assert mnemonic(texts["wizard NextButton"]) == "n"
        if "wizard BackButton" in texts:
            assert mnemonic(texts["wizard BackButton"]) == "b"


@pytest.mark.parametrize("page", list(Page), ids=lambda page: page.name)
def test_enter_is_never_taken_by_a_page_button(wizard: NanoWizard, page: Page) -> None:
    """A page's push button with focus would take Enter (QDialog's auto-default):
    Enter on the Drivers page opened "Add folder…" instead of going on."""
    widget = wizard.pages[page]
    takers = [
        button.text()
        for button in widget.findChildren(QPushButton)
        if button.autoDefault() or button.isDefault()
    ]
    assert takers == []


def test_enter_on_the_drivers_page_goes_on(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, media_info: MediaInfo
) -> None:
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.DRIVERS)
    page = wizard.pages[Page.DRIVERS]
    assert isinstance(page, DriversPage)
    page.add_button.setFocus()
    press(Qt.Key.Key_Return)
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()
    ]
    assert wizard.current() is Page.UPDATES  # the page after Drivers since the Updates page


def grab(widget: QWidget) -> QImage:
    return widget.grab().toImage()


@pytest.mark.parametrize(
    "page", [p for p in Page if p is not Page.BUILD], ids=lambda page: page.name
)
def test_every_control_shows_when_it_has_the_focus(
    wizard: NanoWizard, qtbot: QtBot, page: Page
) -> None:
    """A control painted with the keyboard focus must look different from without it."""
    widget = wizard.pages[page]
    widget.initializePage()
    controls = [
        control
        for control in widget.findChildren(QWidget)
        if isinstance(control, CONTROLS)
        and not is_internal(control)
        and control.isVisibleTo(widget)
        and control.isEnabled()
    ]
    assert controls
    park = wizard.button(QWizard.WizardButton.CancelButton)
    unseen = []
    for control in controls:
        park.setFocus(Qt.FocusReason.TabFocusReason)
        without = grab(control)
        control.setFocus(Qt.FocusReason.TabFocusReason)
        # What Tab sets on the window (setFocus alone does not): styles draw focus
        # frames only after the keyboard moved the focus.
        wizard.setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, True)
        if not control.hasFocus():
            continue  # not shown on this page right now (inside a closed scroll area)
        if grab(control) == without:
            unseen.append(spoken_name(control) or type(control).__name__)
    assert unseen == []


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, key, modifier)


def alt(letter: str) -> None:
    press(Qt.Key(ord(letter.upper())), Qt.KeyboardModifier.AltModifier)


def type_text(text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClicks(target, text)


def next_by_enter(wizard: NanoWizard, qtbot: QtBot, expected: Page) -> None:
    """Enter, once the page's background work is over: the wizard moves to ``expected``."""
    current = wizard.current()
    wait_until(lambda: not is_busy(wizard.state, current), 30, f"{current.name} to settle")
    page = wizard.pages[current]
    assert isinstance(page, PageBase)
    qtbot.waitUntil(
        lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=5000
    )
    press(Qt.Key.Key_Return)
    assert wizard.current() is expected, page.shown_problems()


def test_the_whole_wizard_by_keyboard_alone(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, tmp_path: Path
) -> None:
    wizard.activateWindow()
    wizard.setFocus()
    # Welcome: Enter (the default button is Next: "New image").
    wizard.welcome.new_button.setFocus(Qt.FocusReason.TabFocusReason)
    press(Qt.Key.Key_Return)
    assert wizard.current() is Page.SOURCE
    # Source: Alt+M to the path, type it, Enter reads it; Enter again goes on.
    alt("m")
    assert QApplication.focusWidget() is wizard.pages[Page.SOURCE].path_edit  # type: ignore[attr-defined]
    type_text(str(sample_media.root))
    press(Qt.Key.Key_Return)
    next_by_enter(wizard, qtbot, Page.TARGET)
    # Target: Alt+K picks KVM / QEMU (Host + OEM drivers).
    target_page = wizard.pages[Page.TARGET]
    assert isinstance(target_page, TargetPage)
    kvm = target_page.buttons[Target.KVM]
    alt(mnemonic(kvm.text()) or "?")
    qtbot.waitUntil(kvm.isChecked, timeout=2000)  # a shortcut "animates" the click
    next_by_enter(wizard, qtbot, Page.EDITION)
    # Edition: Alt+R to the roles, Space ticks the first one.
    alt("r")
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Space)
    assert wizard.state.roles
    next_by_enter(wizard, qtbot, Page.DRIVERS)
    next_by_enter(wizard, qtbot, Page.UPDATES)  # the Updates and files page follows Drivers
    next_by_enter(wizard, qtbot, Page.IDENTITY)
    # Identity: name, password, confirmation; Tab between them.
    alt("m")
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text("NANOKEYS")
    alt("p")
    type_text(PASSWORD)
    alt("c")
    type_text(PASSWORD)
    assert wizard.state.computer_name == "NANOKEYS"
    next_by_enter(wizard, qtbot, Page.NETWORK)
    # Network: Alt+S for a static address, then type it.
    alt("s")
    qtbot.waitUntil(lambda: wizard.state.static_ip, timeout=2000)
    alt("a")
    type_text("192.168.56.20/24")
    assert wizard.state.static_ip and wizard.state.address == "192.168.56.20"
    next_by_enter(wizard, qtbot, Page.OUTPUT)
    next_by_enter(wizard, qtbot, Page.SUMMARY)
    next_by_enter(wizard, qtbot, Page.BUILD)  # Next is "Build" here
    qtbot.waitUntil(lambda: wizard.current() is Page.DONE, timeout=120_000)
    assert wizard.state.outcome is not None
    assert (wizard.state.output_path).exists(), wizard.state.outcome
