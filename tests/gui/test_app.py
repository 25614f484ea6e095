"""Start-up, smoke test, opening a recipe at start, crash dialog, settings table."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot

from nanostudio.gui.crash import CrashDialog, CrashHandler
from nanostudio.gui.settings import LAST_TARGET, SETTINGS, Setting, Settings
from nanostudio.gui.wizard_window import ENGINE_MODULES, NanoWizard
from nanostudio.wizard.pages import Page


def run_python(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NANOSTUDIO_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_smoke_test_exits_zero(tmp_path: Path) -> None:
    result = run_python(
        "import sys; from nanostudio.cli.main import main; sys.exit(main(['--smoke-test']))",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "smoke test passed: 12 pages" in result.stdout
    assert (tmp_path / "logs" / "nanostudio.log").is_file()


def test_first_page_needs_no_engine_or_media_module(tmp_path: Path) -> None:
    """What makes start-up fast: the Welcome page is painted before these load."""
    result = run_python(
        "import sys, nanostudio.gui.app\n"
        "heavy = [m for m in ('nanostudio.media', 'nanostudio.engine.engines', "
        "'nanostudio.recipe', 'pycdlib', 'psutil') if m in sys.modules]\n"
        "print(heavy)",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_deferred_wizard_builds_its_pages_after_the_first_paint(
    qtbot: QtBot, settings: Settings
) -> None:
    wizard = NanoWizard(settings, deferred=True)
    qtbot.addWidget(wizard)
    assert not wizard.is_ready
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    with qtbot.waitSignal(wizard.ready, timeout=10_000):
        wizard.show()
    assert wizard.is_ready and set(wizard.pages) == set(Page)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.current() is Page.SOURCE


def test_engine_modules_warmed_after_the_first_paint_exist() -> None:
    for name in ENGINE_MODULES:
        importlib.import_module(name)


def test_a_recipe_given_at_start_opens_once_the_pages_exist(
    qtbot: QtBot, settings: Settings, tmp_path: Path
) -> None:
    recipe = tmp_path / "lab.nanostudio.toml"
    recipe.write_text('[system]\ncomputer_name = "LAB7"\n')
    wizard = NanoWizard(settings, deferred=True)
    qtbot.addWidget(wizard)
    wizard.open_recipe_when_ready(recipe)
    with qtbot.waitSignal(wizard.welcome.recipe_loaded, timeout=10_000):
        wizard.show()
    assert wizard.state.computer_name == "LAB7"
    assert wizard.current() is Page.SOURCE


def test_crash_dialog_shows_and_copies_the_traceback(qtbot: QtBot) -> None:
    handler = CrashHandler()
    try:
        raise ValueError("a bug")
    except ValueError as error:
        handler(type(error), error, error.__traceback__)
    assert handler.count == 1
    dialog = handler.dialogs[0]
    qtbot.addWidget(dialog)
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    assert "ValueError: a bug" in dialog.details
    dialog.copy_button.click()
    assert "ValueError: a bug" in QApplication.clipboard().text()
    dialog.close()


def test_settings_are_typed_and_an_allow_list(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "s.ini")
    assert settings.get(LAST_TARGET) == "hyperv-gen2"
    settings.set(LAST_TARGET, "vmware")
    settings.sync()
    assert Settings(tmp_path / "s.ini").get(LAST_TARGET) == "vmware"
    with pytest.raises(KeyError):
        settings.set(Setting("secrets/password", "", str, "never"), "hunter2")
    assert all("password" not in setting.key for setting in SETTINGS)


@pytest.mark.slow
def test_screenshots_render_every_page(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from nanostudio.devtools.screenshots import SIZE, render_screenshots

    written = render_screenshots(tmp_path / "shots")
    names = [path.stem.split("-", 1)[1] for path in written]
    assert names == [
        "welcome", "source", "target", "edition", "drivers", "updates", "identity",
        "network", "output", "summary", "build", "done",
        "edit-source", "edit-edition", "edit-network", "edit-output", "edit-summary",
        "edit-done",
    ]  # fmt: skip
    for path in written:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (SIZE.width(), SIZE.height())
