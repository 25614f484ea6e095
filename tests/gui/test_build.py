"""The Build and Done pages: a real portable build, cancel, close during a build, failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.devtools.walk import wait_until
from nanostudio.engine.steps import Plan
from nanostudio.gui.pages.done import DonePage
from nanostudio.gui.widgets.step_list import StepState
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.recipe import Recipe
from nanostudio.wizard import BuildStatus, Page
from tests.gui.conftest import PASSWORD, fill_valid, go_to, settled
from tests.gui.fake_plan import fake_plan

BUILD_TIMEOUT_MS = 240_000


@pytest.fixture
def ready(wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo) -> NanoWizard:
    """A wizard on the Summary page, every answer valid."""
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.SUMMARY)
    wait_until(settled(wizard, Page.SUMMARY), 30, "the plan check")
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    return wizard


def use_fake_plan(
    monkeypatch: pytest.MonkeyPatch, *, seconds: float = 0.6, fail: bool = False
) -> None:
    def make(recipe: Recipe, media: MediaInfo, engine: object, *, dry_run: bool) -> Plan:
        return fake_plan(recipe.output.path, seconds=seconds, fail=fail)

    monkeypatch.setattr("nanostudio.gui.pages.build.make_plan", make)


def answer(box: QMessageBox | None, button: QMessageBox.StandardButton) -> None:
    assert box is not None and box.isVisible()
    clicked = box.button(button)
    assert clicked is not None
    clicked.click()


def status(wizard: NanoWizard) -> BuildStatus:
    """Read afresh (keeps mypy from narrowing across the event loop)."""
    return wizard.state.build_status


def visible_buttons(wizard: NanoWizard) -> set[QWizard.WizardButton]:
    return {
        which
        for which in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.CancelButton,
        )
        if wizard.button(which).isVisible()
    }


@pytest.mark.slow
def test_walk_to_done_with_the_portable_engine(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, out_dir: Path
) -> None:
    """Every page through its widgets, a real VHDX, the Done page's commands."""
    from nanostudio.devtools.walk import WizardWalker

    walker = WizardWalker(wizard)
    walker.next(Page.SOURCE)
    assert sample_media.iso is not None
    walker.source(sample_media.iso)
    walker.next(Page.TARGET)
    from nanostudio.wizard import Target

    walker.target(Target.KVM)
    walker.next(Page.EDITION)
    walker.roles("DNS")
    walker.next(Page.DRIVERS)
    walker.next(Page.UPDATES)
    walker.next(Page.IDENTITY)
    walker.identity("NANO1", PASSWORD, "utc")
    walker.next(Page.NETWORK)
    walker.static_network("192.168.56.10", 24, "192.168.56.1", "192.168.56.1")
    walker.next(Page.OUTPUT)
    walker.next(Page.SUMMARY)
    with qtbot.waitSignal(wizard.build_page.build_finished, timeout=BUILD_TIMEOUT_MS) as done:
        walker.next(Page.BUILD)
        assert visible_buttons(wizard) == {QWizard.WizardButton.CancelButton}
    outcome = done.args[0] if done.args else None
    assert outcome is not None and outcome.was_successful(), str(outcome)
    qtbot.waitUntil(lambda: wizard.current() is Page.DONE, timeout=5_000)
    output = out_dir / "nano.vhdx"
    assert output.read_bytes()[:8] == b"vhdxfile"
    assert not list(out_dir.glob("*.partial"))
    page = wizard.pages[Page.DONE]
    assert isinstance(page, DonePage)
    assert page.path_edit.text() == str(output)
    commands = page.commands.text.toPlainText()
    assert "qemu-system-x86_64" in commands and "format=vhdx" in commands
    assert page.connection().host == "192.168.56.10"
    assert page.connection().user == "Administrator"
    assert "C:\\Windows\\Setup\\Scripts\\setupcomplete-failures.log" in page.notes.text()
    log_text = wizard.build_page.log_pane.all_text()
    assert PASSWORD not in log_text
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()


def test_cancel_mid_build_leaves_nothing_and_can_build_again(
    ready: NanoWizard, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, out_dir: Path
) -> None:
    use_fake_plan(monkeypatch, seconds=30)
    build = ready.build_page
    ready.next()
    assert ready.current() is Page.BUILD
    qtbot.waitUntil(lambda: build.steps.count() == 4, timeout=5_000)
    qtbot.waitUntil(lambda: build.progress.value() > 0, timeout=5_000)
    assert QWizard.WizardButton.BackButton not in visible_buttons(ready)
    box = build.ask_cancel()
    answer(box, QMessageBox.StandardButton.No)
    assert ready.state.build_status is BuildStatus.RUNNING
    with qtbot.waitSignal(build.build_finished, timeout=10_000):
        answer(build.ask_cancel(), QMessageBox.StandardButton.Yes)
    assert status(ready) is BuildStatus.CANCELLED
    assert ready.current() is Page.BUILD
    assert list(out_dir.iterdir()) == []
    assert StepState.CANCELLED in [build.steps.step_state(i) for i in range(4)]
    assert "no output was written" in build.status.text()
    assert QWizard.WizardButton.BackButton in visible_buttons(ready)
    assert ready.button(QWizard.WizardButton.BackButton).isEnabled()
    assert build.again_button.isVisible()
    use_fake_plan(monkeypatch, seconds=0.3)
    with qtbot.waitSignal(build.build_finished, timeout=10_000):
        build.again_button.click()
    qtbot.waitUntil(lambda: ready.current() is Page.DONE, timeout=5_000)
    assert (out_dir / "nano.vhdx").read_bytes() == b"fake disk\n"


def test_escape_during_a_build_asks_instead_of_closing(
    ready: NanoWizard, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_fake_plan(monkeypatch, seconds=30)
    ready.next()
    ready.reject()
    assert ready.isVisible()
    box = ready.build_page._confirm
    with qtbot.waitSignal(ready.build_page.build_finished, timeout=10_000):
        answer(box, QMessageBox.StandardButton.Yes)
    assert ready.isVisible()


def test_closing_the_window_during_a_build_asks_first(
    ready: NanoWizard, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, out_dir: Path
) -> None:
    use_fake_plan(monkeypatch, seconds=30)
    ready.next()
    assert not ready.close()
    assert ready.isVisible()
    box = ready.build_page._confirm
    answer(box, QMessageBox.StandardButton.No)
    assert ready.isVisible() and ready.state.build_status is BuildStatus.RUNNING
    assert not ready.close()
    with qtbot.waitSignal(ready.build_page.build_finished, timeout=10_000):
        answer(ready.build_page._confirm, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: not ready.isVisible(), timeout=5_000)
    assert list(out_dir.iterdir()) == []


def test_a_failing_build_shows_the_error_and_the_log(
    ready: NanoWizard, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, out_dir: Path
) -> None:
    use_fake_plan(monkeypatch, seconds=0.3, fail=True)
    with qtbot.waitSignal(ready.build_page.build_finished, timeout=10_000):
        ready.next()
    qtbot.waitUntil(lambda: ready.current() is Page.DONE, timeout=5_000)
    page = ready.pages[Page.DONE]
    assert isinstance(page, DonePage)
    assert page.stack.currentIndex() == 1
    assert "Format the Windows partition" in page.error_label.text()
    assert "partition file is too small" in page.error_label.text()
    assert "mkntfs: device full (fake)" in page.log_view.text.toPlainText()
    assert "What to try" in page.tips_label.text()
    assert "build-" in page.log_path_label.text()
    assert list(out_dir.iterdir()) == []
    assert ready.build_page.steps.step_state(2) is StepState.FAILED


def test_a_plan_that_cannot_be_made_fails_on_the_done_page(
    ready: NanoWizard, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nanostudio.errors import ToolMissingError

    def refuse(*args: object, **kwargs: object) -> Plan:
        raise ToolMissingError("wimlib-imagex is not installed: apt install wimtools")

    monkeypatch.setattr("nanostudio.gui.pages.build.make_plan", refuse)
    ready.next()
    qtbot.waitUntil(lambda: ready.current() is Page.DONE, timeout=5_000)
    page = ready.pages[Page.DONE]
    assert isinstance(page, DonePage)
    assert "wimlib-imagex is not installed" in page.error_label.text()
    assert "Install the missing program" in page.tips_label.text()


def test_log_pane_filters_and_copies(ready: NanoWizard, qtbot: QtBot) -> None:
    pane = ready.build_page.log_pane
    pane.add("info", "Open the media")
    pane.add("debug", "wimlib: 10% done")
    pane.add("warning", "slow disk")
    assert pane.shown_text().splitlines() == ["Open the media", "[warning] slow disk"]
    pane.level_box.setCurrentIndex(0)
    assert "wimlib: 10% done" in pane.shown_text()
    pane.filter_edit.setText("SLOW")
    assert pane.shown_text() == "[warning] slow disk"
    pane.copy()
    assert QApplication.clipboard().text() == "[warning] slow disk"


def test_connect_opens_the_console_prefilled(
    ready: NanoWizard, qtbot: QtBot, out_dir: Path
) -> None:
    from nanostudio.engine.events import BuildOutcome, Status

    ready.state.static_ip = True
    ready.state.address = "192.168.56.10"
    ready.state.outcome = BuildOutcome(Status.SUCCEEDED, out_dir / "nano.vhdx", 3.0)
    page = ready.pages[Page.DONE]
    assert isinstance(page, DonePage)
    page.load()
    assert page.connect_button.isEnabled()
    assert "192.168.56.10" in page.connect_note.text()
    window = page.connect_console()
    assert window is not None
    qtbot.addWidget(window)
    settings = getattr(window, "settings", None)
    assert settings is not None
    assert (settings.host, settings.user, settings.port) == ("192.168.56.10", "Administrator", 5985)
    window.close()


def test_summary_shows_the_engines_refusal(
    wizard: NanoWizard,
    qtbot: QtBot,
    sample_media: SampleMedia,
    media_info: MediaInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nanostudio.errors import ToolMissingError

    def refuse(*args: object, **kwargs: object) -> Plan:
        raise ToolMissingError("mkntfs is not installed: apt install ntfs-3g")

    monkeypatch.setattr("nanostudio.wizard.validation.make_plan", refuse)
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.SUMMARY)
    wait_until(settled(wizard, Page.SUMMARY), 30, "the plan check")
    page = wizard.pages[Page.SUMMARY]
    assert "Mkntfs is not installed: apt install ntfs-3g" in page.shown_problems()[""]
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
