"""The log pane's filter: typing never re-renders the whole log per keystroke."""

# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import time

from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from nanostudio.gui.widgets.log_pane import FILTER_DELAY_MS, MAX_LINES, LogPane


def test_typing_a_filter_renders_once_it_pauses(qtbot: QtBot) -> None:
    pane = LogPane()
    qtbot.addWidget(pane)
    pane.show()
    for number in range(MAX_LINES):
        pane.add("info", f"step {number} {'copying' if number % 2 else 'hashing'} file")
    pane.flush()
    renders: list[int] = []
    pane.view.document().contentsChange.connect(lambda *_: renders.append(1))
    pane.level_box.setCurrentIndex(0)  # one re-render, counted in document changes
    per_render = len(renders)
    assert per_render
    renders.clear()
    started = time.perf_counter()
    QTest.keyClicks(pane.filter_edit, "copying")  # seven keystrokes
    typing_s = time.perf_counter() - started
    assert renders == []  # nothing re-rendered while typing
    assert typing_s < 0.5, f"typing took {typing_s:.2f} s"
    qtbot.waitUntil(lambda: bool(renders), timeout=FILTER_DELAY_MS * 8)
    qtbot.wait(FILTER_DELAY_MS * 2)
    assert len(renders) == per_render  # one re-render for the seven keys
    shown = pane.shown_text().splitlines()
    assert len(shown) == MAX_LINES // 2 and all("copying" in line for line in shown)


def test_a_filter_still_being_typed_applies_when_the_text_is_read(qtbot: QtBot) -> None:
    pane = LogPane()
    qtbot.addWidget(pane)
    pane.add("info", "alpha")
    pane.add("info", "beta")
    pane.filter_edit.setText("bet")
    assert pane.shown_text() == "beta"
