"""GUI test set-up: offscreen Qt, settings in tmp_path, failing on Qt warnings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.devtools.walk import wait_until
from nanostudio.engine.engines import EngineName
from nanostudio.gui.settings import Settings
from nanostudio.gui.wizard_window import NanoWizard, initial_state
from nanostudio.media import MediaInfo, inspect_media
from nanostudio.recipe.model import Target
from nanostudio.secret import Secret
from nanostudio.wizard.navigation import is_busy
from nanostudio.wizard.pages import Page

PASSWORD = "Nano-Pass1"

GUI_TESTS = Path(__file__).parent
# What the offscreen platform itself says about features it lacks (not app problems).
OFFSCREEN_LIMITATIONS = ("^This plugin does not support propagateSizeHints",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every GUI test fails on a Qt warning (qutebrowser's ``qt_log_level_fail``)."""
    for item in items:
        if GUI_TESTS in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_LIMITATIONS))


@pytest.fixture(autouse=True)
def restore_logger_levels() -> Iterator[None]:
    """Builds raise the ``nanostudio`` logger to DEBUG for their log file and leave it
    so; later tests (CLI output checks) must not see that."""
    logger = logging.getLogger("nanostudio")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "config" / "nanostudio.ini")


@pytest.fixture(scope="session")
def media_info(sample_media: SampleMedia) -> MediaInfo:
    return inspect_media(sample_media.root)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def wizard(qtbot: QtBot, settings: Settings, out_dir: Path) -> Iterator[NanoWizard]:
    state = initial_state(settings)
    state.output_path = out_dir / "nano.vhdx"
    state.engine = EngineName.PORTABLE
    window = NanoWizard(settings, state)
    qtbot.addWidget(window)
    window.resize(900, 720)
    window.show()
    qtbot.waitExposed(window)
    yield window
    for page in window.pages.values():
        page.wait_idle()


def fill_valid(wizard: NanoWizard, sample: SampleMedia, info: MediaInfo) -> None:
    """Answer every page validly (KVM target: Host + OEM, a VHDX), as a loaded recipe would."""
    state = wizard.state
    state.set_media(sample.root)
    state.take_media(info)
    state.apply_target(Target.KVM)
    state.password = Secret(PASSWORD)
    state.password_confirm = Secret(PASSWORD)


def settled(wizard: NanoWizard, page: Page) -> Callable[[], bool]:
    return lambda: not is_busy(wizard.state, page)


def go_to(wizard: NanoWizard, page: Page) -> None:
    """Move forward to ``page`` through every page before it (each must be valid)."""
    while wizard.current() is not page:
        before = wizard.current()
        wait_until(settled(wizard, before), 30, f"{before.name} to settle")
        wizard.next()
        if wizard.current() is before:
            shown = wizard.pages[before].shown_problems()
            raise AssertionError(f"stuck on {before.name}: {shown}")
    if page is not Page.BUILD:  # the build page is busy until its build ends
        wait_until(settled(wizard, page), 30, f"{page.name} to settle")
