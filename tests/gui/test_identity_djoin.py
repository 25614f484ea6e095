"""Issue 16 item 2 in the wizard: "Harvest from this domain…" on the Identity page,
shown only on a domain member, running djoin (a FAKE djoin.exe here) off the GUI
thread and checking the blob it stored like a chosen one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.gui.pages.identity import IdentityPage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.recipe import djoin_harvest
from nanostudio.wizard import Page
from nanostudio.wizard.state import to_recipe
from tests.gui.conftest import fill_valid, go_to
from tests.support.windows_fakes.fake_djoin import FakeDjoin


def _identity(wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo) -> IdentityPage:
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.IDENTITY)
    return _page(wizard)


def _page(wizard: NanoWizard) -> IdentityPage:
    found = wizard.pages[Page.IDENTITY]
    assert isinstance(found, IdentityPage)
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="the button's absence is for other systems")
def test_the_button_is_absent_off_a_domain_member(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, media_info: MediaInfo
) -> None:
    page = _identity(wizard, sample_media, media_info)
    page.wait_idle()
    qtbot.wait(50)  # the membership answer arrives as a queued signal
    assert page.harvest_button.isHidden()


@pytest.mark.skipif(sys.platform == "win32", reason="the fake is a POSIX shell wrapper")
def test_a_domain_member_harvests_for_the_computer_name(
    wizard: NanoWizard,
    qtbot: QtBot,
    sample_media: SampleMedia,
    media_info: MediaInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    djoin = FakeDjoin(tmp_path / "fake")
    monkeypatch.setattr(djoin_harvest, "joined_domain", lambda: "corp.example.com")
    monkeypatch.setattr(djoin_harvest, "system_djoin", lambda: str(djoin.path))
    page = _identity(wizard, sample_media, media_info)
    qtbot.waitUntil(lambda: not page.harvest_button.isHidden(), timeout=10_000)
    assert page.harvest_button.isEnabled() and page.harvest_button.domain == "corp.example.com"
    dest = tmp_path / "blob.djoin"
    page.harvest_button.harvest("corp.example.com", False, dest)
    qtbot.waitUntil(lambda: wizard.state.domain_blob == dest, timeout=20_000)
    qtbot.waitUntil(lambda: not wizard.state.checking_domain_blob, timeout=10_000)
    assert wizard.state.domain_blob_join is not None
    assert wizard.state.domain_blob_join.machine_name == wizard.state.computer_name
    assert to_recipe(wizard.state).system.domain_blob == dest
    assert djoin.calls()[0]["argv"][4] == wizard.state.computer_name
    # Again without reuse: the account exists now, said in one line on the page.
    page.harvest_button.harvest("corp.example.com", False, tmp_path / "again.djoin")
    qtbot.waitUntil(lambda: page.harvest_status.isVisibleTo(page), timeout=20_000)
    assert "0x8b0" in page.harvest_status.text() and "--reuse" in page.harvest_status.text()
    assert wizard.state.domain_blob == dest
