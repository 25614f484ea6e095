"""Each page: inline problems block Next with their message; widgets write the state."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWizard
from pytestqt.qtbot import QtBot

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.devtools.walk import write_sample_drivers
from nanostudio.engine.engines import EngineName
from nanostudio.gui.pages.drivers import DriversPage
from nanostudio.gui.pages.edition import EditionPage
from nanostudio.gui.pages.identity import IdentityPage
from nanostudio.gui.pages.network import NetworkPage
from nanostudio.gui.pages.output import OutputPage
from nanostudio.gui.pages.source import SourcePage
from nanostudio.gui.pages.summary import SummaryPage
from nanostudio.gui.pages.target import TargetPage
from nanostudio.gui.pages.welcome import WelcomePage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo, inspect_media
from nanostudio.secret import Secret
from nanostudio.wizard import Page, Target
from nanostudio.wizard.state import to_recipe
from nanostudio.wizard.timezones import TIME_ZONES
from tests.gui.conftest import PASSWORD, fill_valid, go_to
from tests.support.fixtures_media import copy_media_folder, edit_package_cab, without_drivers


def next_enabled(wizard: NanoWizard) -> bool:
    return wizard.button(QWizard.WizardButton.NextButton).isEnabled()


@pytest.fixture
def filled(wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo) -> NanoWizard:
    fill_valid(wizard, sample_media, media_info)
    return wizard


def test_welcome_new_image_goes_to_source(wizard: NanoWizard, qtbot: QtBot) -> None:
    page = wizard.pages[Page.WELCOME]
    assert isinstance(page, WelcomePage)
    QTest.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert wizard.current() is Page.SOURCE
    assert not next_enabled(wizard)
    assert "Choose the Windows Server 2016 ISO" in page_problem(wizard, "source.media")


def leave(edit: QLineEdit) -> None:
    """What moving the focus out of a typed field does (its problems show from then on)."""
    edit.editingFinished.emit()


def page_problem(wizard: NanoWizard, field: str) -> str:
    return wizard.pages[wizard.current()].shown_problems().get(field, "")


def test_source_reads_in_the_background(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia
) -> None:
    go_to(wizard, Page.SOURCE)
    page = wizard.pages[Page.SOURCE]
    assert isinstance(page, SourcePage)
    assert sample_media.iso is not None
    page.choose(sample_media.iso)
    assert wizard.state.inspecting and page.busy.isVisible() and not next_enabled(wizard)
    qtbot.waitUntil(lambda: not wizard.state.inspecting, timeout=30_000)
    assert not page.busy.isVisible()
    assert page.images.topLevelItemCount() == 2
    assert "de-de, en-us" in page.found_label.text()
    assert next_enabled(wizard)


def test_a_pasted_media_path_is_read_when_it_changes(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, tmp_path: Path
) -> None:
    go_to(wizard, Page.SOURCE)
    page = wizard.pages[Page.SOURCE]
    assert isinstance(page, SourcePage)
    assert not page.path_edit.isReadOnly()
    QGuiApplication.clipboard().setText(str(tmp_path / "nothing.iso"))
    page.path_edit.paste()
    qtbot.waitUntil(lambda: bool(page_problem(wizard, "source.media")), timeout=30_000)
    assert not next_enabled(wizard)
    page.path_edit.selectAll()
    QGuiApplication.clipboard().setText(str(sample_media.root))
    page.path_edit.paste()
    qtbot.waitUntil(lambda: wizard.state.media is not None, timeout=30_000)
    assert wizard.state.media_path == sample_media.root
    assert page_problem(wizard, "source.media") == ""
    assert page.images.topLevelItemCount() == 2
    assert next_enabled(wizard)
    page.path_edit.clear()
    page.path_edit.editingFinished.emit()
    assert wizard.state.media_path is None and not next_enabled(wizard)


def test_source_shows_a_bad_file_inline(wizard: NanoWizard, qtbot: QtBot, tmp_path: Path) -> None:
    go_to(wizard, Page.SOURCE)
    junk = tmp_path / "junk.iso"
    junk.write_bytes(b"not an iso" * 100)
    page = wizard.pages[Page.SOURCE]
    assert isinstance(page, SourcePage)
    page.choose(junk)
    qtbot.waitUntil(lambda: not wizard.state.inspecting, timeout=30_000)
    assert page_problem(wizard, "source.media")
    assert not next_enabled(wizard)


def test_source_accepts_a_drop(wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia) -> None:
    go_to(wizard, Page.SOURCE)
    page = wizard.pages[Page.SOURCE]
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(sample_media.root))])
    drop = QDropEvent(
        QPoint(10, 10).toPointF(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(drop)
    assert wizard.state.media_path == sample_media.root
    qtbot.waitUntil(lambda: wizard.state.media is not None, timeout=30_000)


def test_target_presets_and_oem_with_guest(filled: NanoWizard) -> None:
    go_to(filled, Page.TARGET)
    page = filled.pages[Page.TARGET]
    assert isinstance(page, TargetPage)
    page.buttons[Target.HYPERV_GEN2].click()
    assert not page.oem_box.isChecked() and next_enabled(filled)
    page.oem_box.click()
    assert "Guest" in page_problem(filled, "drivers.oem")
    assert not next_enabled(filled)
    page.buttons[Target.VIRTUALBOX].click()
    assert page.oem_box.isChecked() and page.virtualbox_box.isChecked()
    assert filled.state.output_path.suffix == ".vhd"
    assert "Enable EFI" in page.target_note.text()
    assert next_enabled(filled)


def test_edition_feedback(filled: NanoWizard) -> None:
    go_to(filled, Page.EDITION)
    page = filled.pages[Page.EDITION]
    assert isinstance(page, EditionPage)
    page.set_role("NPDS", True)
    assert filled.state.roles == ["NPDS"]
    assert "needed by NPDS" in page.note_of("Defender")
    assert "installed at first boot" in page.note_of("NPDS")
    assert "needs the Windows engine" in page.note_of("IIS")
    assert "Datacenter" in page.note_of("ShieldedVM")
    assert "Host, OEM-Drivers" in page.implied_label.text()
    filled.state.roles = ["ShieldedVM"]
    page.refresh()
    assert "Datacenter" in page_problem(filled, "packages.names")
    assert not next_enabled(filled)
    page.edition_box.setCurrentIndex(
        page.edition_box.findText("Datacenter", Qt.MatchFlag.MatchStartsWith)
    )
    assert next_enabled(filled)


def test_drivers_list_each_inf(filled: NanoWizard, qtbot: QtBot, tmp_path: Path) -> None:
    go_to(filled, Page.DRIVERS)
    page = filled.pages[Page.DRIVERS]
    assert isinstance(page, DriversPage)

    def add_and_read(folder: Path) -> None:
        page.add_folder(folder)
        assert not next_enabled(filled)  # read on a worker: Next waits for it
        qtbot.waitUntil(lambda: not filled.state.scanning_drivers, timeout=10_000)

    add_and_read(write_sample_drivers(tmp_path / "drivers"))
    top = page.tree.topLevelItem(0)
    assert top is not None and top.childCount() == 2
    children = [child for i in range(2) if (child := top.child(i)) is not None]
    rows = {child.text(0): child for child in children}
    assert rows["net/contoso.inf"].text(2) == "Contoso Networks"
    assert rows["net/contoso.inf"].text(4) == "amd64"
    reason = rows["audio/fabrikam.inf"].child(0)
    assert reason is not None and "Not usable" in reason.text(0) and "NTamd64" in reason.text(0)
    assert next_enabled(filled)
    empty = tmp_path / "empty"
    empty.mkdir()
    add_and_read(empty)
    # Refused with the reason, not added to sit in the list and block Next.
    assert page.refused_label.text() == (
        f"Not added: {empty} has no .inf file: choose the folder of an unpacked driver"
    )
    assert page.refused_label.isVisible()
    assert empty not in filled.state.driver_folders
    assert page.tree.topLevelItemCount() == 1
    assert page_problem(filled, "drivers.folders") == ""
    assert next_enabled(filled)
    add_and_read(tmp_path / "drivers")  # a good folder again: the refusal goes
    assert not page.refused_label.isVisible()


def test_identity_live_rules(filled: NanoWizard, qtbot: QtBot) -> None:
    filled.state.password = Secret("")
    filled.state.password_confirm = Secret("")
    go_to(filled, Page.IDENTITY)
    page = filled.pages[Page.IDENTITY]
    assert isinstance(page, IdentityPage)
    assert page.rules_met() == [False, False, True]
    page.name_edit.clear()
    QTest.keyClicks(page.name_edit, "NANO SERVER 2016 X")
    assert page_problem(filled, "system.computer_name") == ""  # not while typing
    leave(page.name_edit)
    assert "characters" in page_problem(filled, "system.computer_name")
    page.name_edit.clear()
    QTest.keyClicks(page.name_edit, "web 1")
    assert "only letters" in page_problem(filled, "system.computer_name")
    page.name_edit.clear()
    QTest.keyClicks(page.name_edit, "WEB1")
    assert page_problem(filled, "system.computer_name") == ""
    QTest.keyClicks(page.password_edit, "abc")
    assert page.rules_met() == [False, False, True]
    assert page_problem(filled, "password") == ""  # the rules show it; red once left
    leave(page.password_edit)
    assert "too weak" in page_problem(filled, "password")
    QTest.keyClicks(page.password_edit, "DEF1234")
    assert page.rules_met() == [True, True, True]
    assert page_problem(filled, "password_confirm") == ""  # nothing typed there yet
    assert not next_enabled(filled)
    QTest.keyClicks(page.confirm_edit, "abcDEF")
    leave(page.confirm_edit)
    assert "differ" in page_problem(filled, "password_confirm")
    QTest.keyClicks(page.confirm_edit, "1234")
    assert page_problem(filled, "password_confirm") == ""
    page.zone_search.setText("tokyo")
    assert page.zone_list.count() == 1
    page.zone_list.setCurrentRow(0)
    assert filled.state.timezone == "Tokyo Standard Time"
    assert next_enabled(filled)


def test_time_zone_search_finds_places_and_is_gone_on_return(filled: NanoWizard) -> None:
    go_to(filled, Page.IDENTITY)
    page = filled.pages[Page.IDENTITY]
    assert isinstance(page, IdentityPage)
    QTest.keyClicks(page.zone_search, "Berlin")
    assert page.zone_list.count() == 1
    page.zone_list.setCurrentRow(0)
    assert filled.state.timezone == "W. Europe Standard Time"
    filled.next()
    filled.back()  # Back keeps the page as it was: the search and its results agree
    assert page.zone_search.text() == "Berlin" and page.zone_list.count() == 1
    filled.back()
    filled.next()  # entered again: no stale search text over the whole list
    assert filled.current() is Page.IDENTITY
    assert page.zone_search.text() == ""
    assert page.zone_list.count() == len(TIME_ZONES)
    current = page.zone_list.currentItem()
    assert current is not None and "W. Europe Standard Time" in current.text()


def test_network_static_rules(filled: NanoWizard, qtbot: QtBot) -> None:
    go_to(filled, Page.NETWORK)
    page = filled.pages[Page.NETWORK]
    assert isinstance(page, NetworkPage)
    assert not page.static_fields.isEnabled()
    page.static_button.click()
    assert page.static_fields.isEnabled()
    assert page_problem(filled, "network.ipv4") == ""  # not before the address is typed
    assert not next_enabled(filled)
    QTest.keyClick(page.address_edit, Qt.Key.Key_Return)  # Enter: Next is off, says why
    assert "enter the static address" in page_problem(filled, "network.ipv4").lower()
    QTest.keyClicks(page.address_edit, "192.168.56.10")
    QTest.keyClicks(page.gateway_edit, "10.1.1.1")
    leave(page.gateway_edit)
    assert "outside" in page_problem(filled, "network.gateway")
    assert not next_enabled(filled)
    page.gateway_edit.clear()
    QTest.keyClicks(page.gateway_edit, "192.168.56.1")
    QTest.keyClicks(page.dns_edit, "1.1.1.1, dns.example")
    leave(page.dns_edit)
    assert "dns.example" in page_problem(filled, "network.dns")
    page.dns_edit.clear()
    QTest.keyClicks(page.dns_edit, "1.1.1.1")
    assert next_enabled(filled)
    assert filled.state.address == "192.168.56.10"


def test_a_pasted_prefix_goes_to_the_prefix_box(filled: NanoWizard) -> None:
    go_to(filled, Page.NETWORK)
    page = filled.pages[Page.NETWORK]
    assert isinstance(page, NetworkPage)
    page.static_button.click()
    QGuiApplication.clipboard().setText("192.168.56.10/16")
    page.address_edit.paste()
    assert page.address_edit.text() == "192.168.56.10"
    assert page.prefix_box.value() == 16
    assert (filled.state.address, filled.state.prefix) == ("192.168.56.10", 16)
    assert page_problem(filled, "network.ipv4") == ""


def test_a_bare_size_means_gib(filled: NanoWizard) -> None:
    go_to(filled, Page.OUTPUT)
    page = filled.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    page.size_edit.clear()
    QTest.keyClicks(page.size_edit, "8")
    assert page_problem(filled, "output.size") == ""
    assert filled.state.size_bytes == 8 * 1024**3
    assert next_enabled(filled)


def test_output_rules(filled: NanoWizard, qtbot: QtBot, out_dir: Path) -> None:
    go_to(filled, Page.OUTPUT)
    page = filled.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    page.size_edit.clear()
    QTest.keyClicks(page.size_edit, "lots")
    assert page_problem(filled, "output.size") == ""  # still typing
    leave(page.size_edit)
    assert "is not a size" in page_problem(filled, "output.size")
    page.size_edit.clear()
    QTest.keyClicks(page.size_edit, "8GiB")
    (out_dir / "taken.vhdx").write_bytes(b"")
    page.set_output(out_dir / "taken.vhdx")
    assert "already exists" in page_problem(filled, "output.path")
    assert not next_enabled(filled)
    page.format_box.setCurrentIndex(1)  # VHD
    assert filled.state.output_path.name == "taken.vhd"
    assert next_enabled(filled)
    page.engine_buttons[EngineName.WINDOWS].click()
    assert "needs Windows with DISM" in page_problem(filled, "engine")
    assert not next_enabled(filled)
    page.engine_buttons[EngineName.PORTABLE].click()
    assert next_enabled(filled)


def test_output_page_refuses_a_read_only_folder(filled: NanoWizard, read_only_dir: Path) -> None:
    go_to(filled, Page.OUTPUT)
    page = filled.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    page.set_output(read_only_dir / "nano.vhdx")
    assert page_problem(filled, "output.path").lower() == (
        f"cannot write to {read_only_dir}: choose a folder you can write to"
    )
    assert not next_enabled(filled)


def test_output_page_offers_no_format_choice_for_an_edit(filled: NanoWizard) -> None:
    go_to(filled, Page.OUTPUT)
    page = filled.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    assert page.format_box.isEnabled()
    filled.state.edit_image = filled.state.output_path.with_name("old.vhdx")
    page.load()
    assert not page.format_box.isEnabled()
    assert "of the format it reads" in page.format_box.toolTip()


def test_summary_save_into_a_read_only_folder_says_so(
    filled: NanoWizard, read_only_dir: Path
) -> None:
    go_to(filled, Page.SUMMARY)
    page = filled.pages[Page.SUMMARY]
    assert isinstance(page, SummaryPage)
    assert not page.save_recipe(read_only_dir / "nano.toml")
    assert page.saved_label.text() == (
        f"cannot write to {read_only_dir}: choose a folder you can write to"
    )


def test_format_after_the_file_box_is_emptied(filled: NanoWizard) -> None:
    go_to(filled, Page.OUTPUT)
    page = filled.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    page.path_edit.clear()
    page.path_edit.textEdited.emit("")
    page.format_box.setCurrentIndex(1)  # VHD
    assert filled.state.output_path == Path("nano.vhd")
    assert page.path_edit.text() == "nano.vhd"


def test_summary_copy_and_save_without_password(filled: NanoWizard, tmp_path: Path) -> None:
    go_to(filled, Page.SUMMARY)
    page = filled.pages[Page.SUMMARY]
    assert isinstance(page, SummaryPage)
    assert "KVM / QEMU" in page.sentences.text()
    assert "New-NanoServerImage" in page.command.text.toPlainText()
    page.command.copy()
    assert "New-NanoServerImage" in QGuiApplication.clipboard().text()
    assert PASSWORD not in page.command.text.toPlainText()
    recipe = tmp_path / "saved.toml"
    assert page.save_recipe(recipe)
    text = recipe.read_text(encoding="utf-8")
    assert "computer_name" in text and PASSWORD not in text
    assert filled.button(QWizard.WizardButton.NextButton).text().replace("&", "") == "Build"


def test_open_recipe_fills_the_wizard(
    wizard: NanoWizard, qtbot: QtBot, sample_media: SampleMedia, tmp_path: Path
) -> None:
    recipe = tmp_path / "web.toml"
    recipe.write_text(
        f'[source]\nmedia = "{sample_media.root}"\n[system]\ncomputer_name = "WEB7"\n'
        '[packages]\nnames = ["IIS"]\n',
        encoding="utf-8",
    )
    page = wizard.pages[Page.WELCOME]
    assert isinstance(page, WelcomePage)
    bad = tmp_path / "bad.toml"
    bad.write_text("[system]\npassword = 'x'\n", encoding="utf-8")
    assert not page.open_recipe(bad)
    assert "never stored" in page.page_problems.text()
    assert page.open_recipe(recipe)
    assert wizard.current() is Page.SOURCE
    qtbot.waitUntil(lambda: wizard.state.media is not None, timeout=30_000)
    assert wizard.state.computer_name == "WEB7" and wizard.state.roles == ["IIS"]
    assert wizard.state.password.reveal() == ""


def test_a_recipe_s_driver_folders_are_read_on_a_worker(
    wizard: NanoWizard, qtbot: QtBot, tmp_path: Path
) -> None:
    drivers = write_sample_drivers(tmp_path / "drivers")
    recipe = tmp_path / "drivers.toml"
    recipe.write_text(f'[drivers]\nfolders = ["{drivers.as_posix()}"]\n', encoding="utf-8")
    page = wizard.pages[Page.WELCOME]
    assert isinstance(page, WelcomePage)
    assert page.open_recipe(recipe)
    assert wizard.state.scanning_drivers == {drivers}  # not read on the GUI thread
    qtbot.waitUntil(lambda: not wizard.state.scanning_drivers, timeout=10_000)
    assert wizard.state.driver_scans[drivers].problem is None


def test_settings_keep_choices_but_never_the_password(filled: NanoWizard, qtbot: QtBot) -> None:
    go_to(filled, Page.TARGET)
    page = filled.pages[Page.TARGET]
    assert isinstance(page, TargetPage)
    page.buttons[Target.VMWARE].click()
    go_to(filled, Page.OUTPUT)
    filled.close()
    text = filled.settings.path.read_text(encoding="utf-8")
    assert "vmware" in text
    assert PASSWORD not in text


def test_target_page_disables_targets_the_media_cannot_boot(
    wizard: NanoWizard, sample_media: SampleMedia, tmp_path: Path, qtbot: QtBot
) -> None:
    """Media whose Guest package has no Hyper-V drivers: Hyper-V is refused on the page."""
    media = copy_media_folder(sample_media, tmp_path / "media")
    edit_package_cab(media, "Guest", without_drivers)
    fill_valid(wizard, sample_media, inspect_media(media))
    wizard.state.set_media(media)
    wizard.state.take_media(inspect_media(media))
    wizard.state.apply_target(Target.KVM)
    go_to(wizard, Page.TARGET)
    page = wizard.pages[Page.TARGET]
    assert isinstance(page, TargetPage)
    qtbot.waitUntil(lambda: not wizard.state.taking_inventory, timeout=30_000)
    gen2 = page.buttons[Target.HYPERV_GEN2]
    assert not gen2.isEnabled()
    assert "Hyper-V (Generation 2) needs a driver for its Hyper-V VMBus" in gen2.toolTip()
    assert "Hyper-V (Generation 2) needs a driver" in page.unavailable_note.text()
    assert page.buttons[Target.VIRTUALBOX].isEnabled() and next_enabled(wizard)
    # A recipe opened with the refused target shows why on this page and blocks Next.
    page.buttons[Target.VIRTUALBOX].click()
    wizard.state.apply_target(Target.HYPERV_GEN2)
    page.refresh()
    assert "needs a driver for its Hyper-V VMBus" in page_problem(wizard, "output.target")
    assert not next_enabled(wizard)


def test_a_recipe_s_bad_driver_folder_is_named_once(
    wizard: NanoWizard, qtbot: QtBot, tmp_path: Path
) -> None:
    """A recipe's folder stays listed (the recipe named it) with its problem, its path
    shown once."""
    empty = tmp_path / "empty"
    empty.mkdir()
    wizard.state.driver_folders = [empty]
    go_to(wizard, Page.SOURCE)
    page = wizard.pages[Page.DRIVERS]
    assert isinstance(page, DriversPage)
    page.load()
    qtbot.waitUntil(lambda: not wizard.state.scanning_drivers, timeout=10_000)
    top = page.tree.topLevelItem(0)
    assert top is not None and top.text(0).count(str(empty)) == 1
    assert "has no .inf file" in top.text(0)


@pytest.mark.parametrize(("width", "height"), [(1024, 600), (1092, 574)])
def test_every_page_fits_a_small_laptop_screen(
    filled: NanoWizard, qtbot: QtBot, width: int, height: int
) -> None:
    """1024×600, and 1366×768 at 125 % less a task bar: the window is allowed that
    small, and Next and Cancel stay on screen on every page (pages scroll)."""
    assert filled.minimumSize().width() <= width and filled.minimumSize().height() <= height
    filled.resize(width, height)
    for page in (p for p in Page if p < Page.BUILD):
        go_to(filled, page)
        QApplication.processEvents()
        assert filled.height() <= height and filled.width() <= width, page
        assert filled.minimumSizeHint().height() <= height, page
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.CancelButton):
            button = filled.button(which)
            if not button.isVisible():
                continue
            corner = button.mapTo(filled, button.rect().bottomRight())
            assert filled.rect().contains(corner), (page, which)


def test_network_vlan_and_ipv6_fields(filled: NanoWizard) -> None:
    go_to(filled, Page.NETWORK)
    page = filled.pages[Page.NETWORK]
    assert isinstance(page, NetworkPage)
    QTest.keyClicks(page.vlan_edit, "ten")
    assert page_problem(filled, "network.vlan") == ""  # still typing
    leave(page.vlan_edit)
    assert "not a VLAN ID" in page_problem(filled, "network.vlan")
    assert not next_enabled(filled)
    page.vlan_edit.clear()
    QTest.keyClicks(page.vlan_edit, "4095")
    leave(page.vlan_edit)
    assert "1 to 4094" in page_problem(filled, "network.vlan")
    page.vlan_edit.clear()
    QTest.keyClicks(page.vlan_edit, "42")
    QTest.keyClicks(page.ipv6_edit, "fe80::1")
    leave(page.ipv6_edit)
    assert "link-local" in page_problem(filled, "network.ipv6")
    page.ipv6_edit.clear()
    QTest.keyClicks(page.ipv6_edit, "2001:db8::10")
    QTest.keyClicks(page.ipv6_dns_edit, "2001:db8::1, 10.0.0.1")
    leave(page.ipv6_dns_edit)
    assert "IPv4 address" in page_problem(filled, "network.ipv6_dns")
    page.ipv6_dns_edit.clear()
    QTest.keyClicks(page.ipv6_dns_edit, "2001:db8::1 2001:db8::2")
    page.interface_edit.clear()
    QTest.keyClicks(page.interface_edit, "12")
    assert next_enabled(filled)
    network = to_recipe(filled.state).network
    assert (network.vlan, network.ipv6, network.interface) == (42, "2001:db8::10", "12")
    assert network.ipv6_dns == ("2001:db8::1", "2001:db8::2")


def test_network_https_box_sets_the_recipe(filled: NanoWizard) -> None:
    go_to(filled, Page.NETWORK)
    page = filled.pages[Page.NETWORK]
    assert isinstance(page, NetworkPage)
    assert not page.https_box.isChecked()
    page.https_box.click()
    assert to_recipe(filled.state).network.winrm_https
    assert next_enabled(filled)


def test_identity_answer_file_is_checked_off_the_gui_thread(
    filled: NanoWizard, qtbot: QtBot, tmp_path: Path
) -> None:
    from nanostudio.gui.pages.identity import IdentityPage

    go_to(filled, Page.IDENTITY)
    page = filled.pages[Page.IDENTITY]
    assert isinstance(page, IdentityPage)
    mine = tmp_path / "mine.xml"
    mine.write_text(
        '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize">'
        '<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">'
        "<ComputerName>OTHER</ComputerName></component></settings></unattend>"
    )
    page.set_unattend(mine)
    assert not next_enabled(filled)  # while it is read
    qtbot.waitUntil(lambda: not filled.state.checking_unattend, timeout=10_000)
    assert "specialize/Microsoft-Windows-Shell-Setup/ComputerName" in page_problem(
        filled, "system.unattend"
    )
    assert not next_enabled(filled)
    mine.write_text(
        '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize">'
        '<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">'
        "<RegisteredOwner>Ann</RegisteredOwner></component></settings></unattend>"
    )
    page.set_unattend(mine)
    qtbot.waitUntil(lambda: not filled.state.checking_unattend, timeout=10_000)
    assert page_problem(filled, "system.unattend") == ""
    assert next_enabled(filled)
    assert to_recipe(filled.state).system.unattend == mine
    page.unattend_field.clear_button.click()
    assert to_recipe(filled.state).system.unattend is None


def test_identity_domain_blob_is_checked_off_the_gui_thread(
    filled: NanoWizard, qtbot: QtBot, tmp_path: Path
) -> None:
    from nanostudio.gui.pages.identity import IdentityPage
    from tests.support.odj_blob import write_blob

    go_to(filled, Page.IDENTITY)
    page = filled.pages[Page.IDENTITY]
    assert isinstance(page, IdentityPage)
    blob = tmp_path / "nano.djoin"
    blob.write_text("not a blob!")
    page.set_domain_blob(blob)
    assert not next_enabled(filled)
    qtbot.waitUntil(lambda: not filled.state.checking_domain_blob, timeout=10_000)
    assert "not base64" in page_problem(filled, "system.domain_blob")
    write_blob(blob, "WEB7")  # made for another computer: refused, named
    page.set_domain_blob(blob)
    qtbot.waitUntil(lambda: not filled.state.checking_domain_blob, timeout=10_000)
    assert "made for the computer 'WEB7'" in page_problem(filled, "system.domain_blob")
    assert not next_enabled(filled)
    page.name_edit.setText("web7")  # renaming the computer (NetBIOS: any case) fixes it
    page.name_edit.textEdited.emit("web7")
    assert page_problem(filled, "system.domain_blob") == ""
    assert next_enabled(filled)
    assert to_recipe(filled.state).system.domain_blob == blob


def test_an_answer_file_a_recipe_brings_is_checked_when_identity_is_entered(
    filled: NanoWizard, qtbot: QtBot, tmp_path: Path
) -> None:
    from nanostudio.gui.pages.identity import IdentityPage

    mine = tmp_path / "mine.xml"
    mine.write_text(
        '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="oobeSystem">'
        '<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">'
        "<TimeZone>UTC</TimeZone></component></settings></unattend>"
    )
    filled.state.unattend = mine  # as from_recipe leaves it: not yet checked
    go_to(filled, Page.IDENTITY)
    page = filled.pages[Page.IDENTITY]
    assert isinstance(page, IdentityPage)
    qtbot.waitUntil(lambda: not filled.state.checking_unattend, timeout=10_000)
    assert "oobeSystem/Microsoft-Windows-Shell-Setup/TimeZone" in (
        filled.state.unattend_problem or ""
    )
    assert not next_enabled(filled)
    page.wait_idle()
