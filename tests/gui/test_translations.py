"""The model's sentences reach the screen through Qt's translation, and the shipped
catalogue template lists every string the GUI and the model mark."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.gui.i18n import translated
from nanostudio.gui.pages.edition import EditionPage
from nanostudio.gui.pages.summary import SummaryPage
from nanostudio.gui.pages.target import TargetPage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.recipe import RecipeField
from nanostudio.wizard import Page, Target
from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP, Text
from nanostudio.wizard.summary import summary_sentences
from nanostudio.wizard.targets import PRESETS
from nanostudio.wizard.vm_commands import vm_commands
from tests.gui.conftest import fill_valid, go_to

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "resources" / "translations" / "nanostudio.ts"
# README's Development section gives the same command.
LUPDATE_ARGS = ["-extensions", "py", "-locations", "none", "-no-obsolete"]
SCANNED = ["nanostudio/gui", "nanostudio/wizard"]


def lupdate(ts: Path) -> None:
    tool = Path(sys.executable).with_name("pyside6-lupdate")
    command = (
        [str(tool)] if tool.exists() else [sys.executable, "-m", "PySide6.scripts.pyside_tool"]
    )
    subprocess.run(
        [*command, *LUPDATE_ARGS, *SCANNED, "-ts", str(ts)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


def messages(ts: Path) -> set[tuple[str, str]]:
    root = ET.parse(ts).getroot()
    return {
        (context.findtext("name") or "", message.findtext("source") or "")
        for context in root.iter("context")
        for message in context.iter("message")
    }


@pytest.fixture
def filled(wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo) -> NanoWizard:
    fill_valid(wizard, sample_media, media_info)
    return wizard


def test_the_catalogue_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "nanostudio.ts"
    lupdate(fresh)
    expected = messages(fresh)
    shipped = messages(CATALOGUE)
    assert expected, "lupdate found no strings"
    regenerate = "regenerate it with the command in README's Development section"
    assert not expected - shipped, f"missing from {CATALOGUE.name}; {regenerate}"
    assert not shipped - expected, f"no longer in the code; {regenerate}"


def test_the_model_s_sentences_are_in_the_catalogue(filled: NanoWizard) -> None:
    """Nothing the model says on these pages escapes translation: each is a marked Text."""
    shipped = messages(CATALOGUE)
    notes = [preset.note for preset in PRESETS.values()]
    commands = vm_commands(
        Target.VIRTUALBOX,
        name="NANO1",
        disk=Path("nano.vhd"),
        firmware=PRESETS[Target.VIRTUALBOX].firmware,
        static_ip=True,
    )
    for text in [*notes, *summary_sentences(filled.state), *commands.notes]:
        assert isinstance(text, Text), text
        assert (text.context, text.source) in shipped, text


class FakeTranslator(QTranslator):
    """Every model string in one context comes back upper-cased, as a translator's would."""

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return source.upper() if context == self.context else ""


@pytest.fixture
def upper_case(request: pytest.FixtureRequest) -> Iterator[FakeTranslator]:
    translator = FakeTranslator(request.param)
    app = QApplication.instance()
    assert app is not None
    app.installTranslator(translator)
    yield translator
    app.removeTranslator(translator)


def test_translated_fills_in_translated_arguments() -> None:
    inner = QT_TRANSLATE_NOOP("Roles", "not on this media")
    outer = QT_TRANSLATE_NOOP("Summary", "Packages: {0}.").format(inner)
    assert outer == "Packages: not on this media."
    assert translated(outer) == "Packages: not on this media."  # no catalogue installed
    assert translated("a/path/{0}") == "a/path/{0}"  # a plain string is left alone


@pytest.mark.parametrize("upper_case", ["Targets"], indirect=True)
def test_the_target_note_is_translated(filled: NanoWizard, upper_case: FakeTranslator) -> None:
    go_to(filled, Page.TARGET)
    page = filled.pages[Page.TARGET]
    assert isinstance(page, TargetPage)
    page.buttons[Target.VIRTUALBOX].click()
    assert "ENABLE EFI" in page.target_note.text()


@pytest.mark.parametrize("upper_case", ["Summary"], indirect=True)
def test_the_summary_is_translated_around_its_values(
    filled: NanoWizard, upper_case: FakeTranslator
) -> None:
    go_to(filled, Page.SUMMARY)
    page = filled.pages[Page.SUMMARY]
    assert isinstance(page, SummaryPage)
    text = page.sentences.text()
    assert "THE COMPUTER IS NAMED" in text
    assert filled.state.computer_name in text  # the value itself is not translated


@pytest.mark.parametrize("upper_case", ["Roles"], indirect=True)
def test_role_markers_are_translated(filled: NanoWizard, upper_case: FakeTranslator) -> None:
    go_to(filled, Page.EDITION)
    page = filled.pages[Page.EDITION]
    assert isinstance(page, EditionPage)
    items = [page.roles.topLevelItem(i) for i in range(page.roles.topLevelItemCount())]
    notes = [item.text(2) for item in items if item is not None]
    assert any("INSTALLED AT FIRST BOOT" in note or "NEEDS THE" in note for note in notes), notes


@pytest.mark.parametrize("upper_case", ["Validation"], indirect=True)
def test_validation_messages_are_translated(filled: NanoWizard, upper_case: FakeTranslator) -> None:
    go_to(filled, Page.OUTPUT)
    page = filled.pages[Page.OUTPUT]
    filled.state.output_path.parent.mkdir(parents=True, exist_ok=True)
    filled.state.output_path.write_bytes(b"")
    page.reveal({RecipeField.OUTPUT_PATH})
    page.refresh()
    assert "ALREADY EXISTS" in page.shown_problems()["output.path"]
    assert str(filled.state.output_path) in page.shown_problems()["output.path"]


def test_qcoreapplication_translate_is_the_boundary() -> None:
    assert QCoreApplication.translate("Summary", "No extra drivers.") == "No extra drivers."
