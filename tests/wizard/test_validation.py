"""Every rule blocks the page that shows it, with its message."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.checks import hold_inventory
from nanostudio.engine.engines import EngineName
from nanostudio.media.drivers import scan_driver_folder
from nanostudio.recipe import RecipeField
from nanostudio.recipe.fields import RawKey
from nanostudio.secret import Secret
from nanostudio.wizard import (
    BuildStatus,
    Page,
    Target,
    WizardState,
    can_go_back,
    can_go_next,
    is_busy,
    page_problems,
)
from nanostudio.wizard.validation import SETTINGS_PAGES, page_of, unavailable_targets


def messages(state: WizardState, page: Page) -> dict[str, str]:
    return {problem.field: problem.message for problem in page_problems(state, page)}


def test_filled_state_passes_every_settings_page(filled_state: WizardState) -> None:
    for page in SETTINGS_PAGES:
        assert page_problems(filled_state, page) == [], page
        assert can_go_next(filled_state, page)


def test_no_media_blocks_source() -> None:
    state = WizardState()
    assert "choose the Windows Server 2016 ISO" in messages(state, Page.SOURCE)["source.media"]
    assert not can_go_next(state, Page.SOURCE)


def test_inspection_error_and_busy_block_source(tmp_path: Path) -> None:
    state = WizardState()
    state.set_media(tmp_path / "x.iso")
    state.inspecting = True
    assert not can_go_next(state, Page.SOURCE)
    assert page_problems(state, Page.SOURCE) == []
    state.inspecting = False
    state.media_error = "x.iso is not an ISO image"
    assert messages(state, Page.SOURCE)["source.media"] == "x.iso is not an ISO image"


def test_oem_with_guest_blocks_target(filled_state: WizardState) -> None:
    filled_state.apply_target(Target.HYPERV_GEN2)
    assert can_go_next(filled_state, Page.TARGET)
    filled_state.oem = True
    assert "Guest" in messages(filled_state, Page.TARGET)["drivers.oem"]
    assert not can_go_next(filled_state, Page.TARGET)


def test_shielded_vm_needs_datacenter(filled_state: WizardState) -> None:
    filled_state.roles = ["ShieldedVM"]
    assert "Datacenter" in messages(filled_state, Page.EDITION)["packages.names"]
    filled_state.edition = Edition.DATACENTER
    assert can_go_next(filled_state, Page.EDITION)


def test_language_missing_from_media(filled_state: WizardState) -> None:
    filled_state.language = "fr-fr"
    assert "fr-fr" in messages(filled_state, Page.EDITION)["source.language"]


def test_driver_folder_without_inf(filled_state: WizardState, tmp_path: Path) -> None:
    empty = tmp_path / "drivers"
    empty.mkdir()
    filled_state.driver_folders = [empty]
    assert "no .inf file" in messages(filled_state, Page.DRIVERS)["drivers.folders"]


def test_driver_folders_are_scanned_once(
    filled_state: WizardState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problems are computed at each keystroke; reading every INF each time froze the GUI."""
    scanned: list[Path] = []

    def counting_scan(folder: Path) -> object:
        scanned.append(folder)
        return scan_driver_folder(folder)

    for module in ("nanostudio.wizard.state", "nanostudio.recipe.source_rules"):
        monkeypatch.setattr(sys.modules[module], "scan_driver_folder", counting_scan)
    empty = tmp_path / "drivers"
    empty.mkdir()
    filled_state.driver_folders = [empty]
    for page in SETTINGS_PAGES:
        can_go_next(filled_state, page)
    assert "no .inf file" in messages(filled_state, Page.DRIVERS)["drivers.folders"]
    assert scanned == [empty]


def test_a_driver_folder_being_read_holds_the_page(
    filled_state: WizardState, tmp_path: Path
) -> None:
    empty = tmp_path / "drivers"
    empty.mkdir()
    filled_state.driver_folders = [empty]
    filled_state.scanning_drivers.add(empty)
    assert is_busy(filled_state, Page.DRIVERS)
    assert not can_go_next(filled_state, Page.DRIVERS)
    assert page_problems(filled_state, Page.DRIVERS) == []  # not read yet: nothing to say
    filled_state.scanning_drivers.clear()
    assert "no .inf file" in messages(filled_state, Page.DRIVERS)["drivers.folders"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("", "enter a computer name"), ("A" * 16, "at most 15"), ("nano server", "only letters")],
)
def test_computer_name_rules(filled_state: WizardState, name: str, expected: str) -> None:
    filled_state.computer_name = name
    assert expected in messages(filled_state, Page.IDENTITY)["system.computer_name"]


def test_password_rules_and_confirmation(filled_state: WizardState) -> None:
    filled_state.password = Secret("short")
    assert "too weak" in messages(filled_state, Page.IDENTITY)["password"]
    filled_state.password = Secret("Nano-Pass2")
    assert "differ" in messages(filled_state, Page.IDENTITY)["password_confirm"]
    filled_state.password = Secret("")
    filled_state.password_confirm = Secret("")
    assert "enter an administrator password" in messages(filled_state, Page.IDENTITY)["password"]


def test_static_address_rules(filled_state: WizardState) -> None:
    filled_state.static_ip = True
    assert "enter the static address" in messages(filled_state, Page.NETWORK)["network.ipv4"]
    filled_state.address = "192.168.56.10"
    filled_state.gateway = "10.0.0.1"
    assert "outside" in messages(filled_state, Page.NETWORK)["network.gateway"]
    filled_state.gateway = "192.168.56.1"
    filled_state.dns = "192.168.56.1, nonsense"
    assert "nonsense" in messages(filled_state, Page.NETWORK)["network.dns"]
    filled_state.dns = "192.168.56.1 1.1.1.1"
    assert can_go_next(filled_state, Page.NETWORK)


def test_output_rules(filled_state: WizardState, tmp_path: Path) -> None:
    filled_state.size_text = "eight gigs"
    assert "is not a size" in messages(filled_state, Page.OUTPUT)["output.size"]
    filled_state.size_text = "512MiB"
    assert "at least" in messages(filled_state, Page.OUTPUT)["output.size"]
    filled_state.size_text = "8GiB"
    existing = tmp_path / "old.vhdx"
    existing.write_bytes(b"")
    filled_state.output_path = existing
    assert "already exists" in messages(filled_state, Page.OUTPUT)["output.path"]
    filled_state.output_path = tmp_path / "missing" / "nano.vhdx"
    assert "does not exist" in messages(filled_state, Page.OUTPUT)["output.path"]
    filled_state.output_path = tmp_path / "nano.img"
    assert "must end in" in messages(filled_state, Page.OUTPUT)["output.path"]


def test_virtualbox_refuses_vhdx(filled_state: WizardState, tmp_path: Path) -> None:
    filled_state.apply_target(Target.VIRTUALBOX)
    assert filled_state.output_path.suffix == ".vhd"
    filled_state.output_path = tmp_path / "nano.vhdx"
    assert "VirtualBox cannot write" in messages(filled_state, Page.OUTPUT)["output.path"]


def test_engine_rules(filled_state: WizardState, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("nanostudio.wizard.validation.windows_engine_available", lambda: False)
    monkeypatch.setattr("nanostudio.engine.engines.windows_engine_available", lambda: False)
    filled_state.engine = EngineName.WINDOWS
    assert "needs Windows with DISM" in messages(filled_state, Page.OUTPUT)["engine"]
    filled_state.engine = EngineName.AUTO
    filled_state.apply_target(Target.HYPERV_GEN1)
    assert "Generation 1" in messages(filled_state, Page.OUTPUT)["engine"]


def test_every_field_has_a_page() -> None:
    """Each field is shown on a settings page; only the engine's plan on the Summary."""
    for field in RecipeField:
        if field is RecipeField.PLAN:
            assert page_of(field) is Page.SUMMARY
        else:
            assert page_of(field) in SETTINGS_PAGES, field
    assert page_of(RawKey("source.colour")) is Page.SUMMARY  # unknown to recipes


def test_back_is_refused_only_during_a_build(filled_state: WizardState) -> None:
    assert not can_go_back(filled_state, Page.WELCOME)
    assert can_go_back(filled_state, Page.BUILD)
    filled_state.build_status = BuildStatus.RUNNING
    assert not can_go_back(filled_state, Page.BUILD)
    assert not can_go_next(filled_state, Page.BUILD)
    filled_state.build_status = BuildStatus.CANCELLED
    assert can_go_back(filled_state, Page.BUILD)
    assert not can_go_next(filled_state, Page.BUILD)
    filled_state.build_status = BuildStatus.FAILED
    assert can_go_next(filled_state, Page.BUILD)


def test_guest_deployment_set_by_hyperv(filled_state: WizardState) -> None:
    filled_state.apply_target(Target.HYPERV_GEN2)
    assert filled_state.deployment is Deployment.GUEST
    assert not filled_state.oem


def test_the_media_s_drivers_decide_which_targets_the_portable_engine_offers(
    filled_state: WizardState, sample_media: SampleMedia, tmp_path: Path
) -> None:
    """Qt-free: once the inventory is held, targets without drivers are named, with why."""
    filled_state.engine = EngineName.PORTABLE
    assert unavailable_targets(filled_state) == {}  # nothing is known before the media is read
    image = filled_state.media.image_for(filled_state.edition) if filled_state.media else None
    assert image is not None and filled_state.media_path is not None
    filled_state.driver_inventory = hold_inventory(filled_state.media_path, image.index)
    try:
        unavailable = unavailable_targets(filled_state)
        # The sample's Guest package has the Hyper-V drivers, OEM-Drivers the rest; only
        # Generation 1's IDE controller has no driver with the Guest package alone.
        assert set(unavailable) == {Target.HYPERV_GEN1}
        assert "Intel PIIX4 IDE controller" in unavailable[Target.HYPERV_GEN1]
        assert messages(filled_state, Page.TARGET) == {}
        filled_state.oem = False  # KVM without the OEM drivers: no AHCI driver
        problems = [p.message for p in page_problems(filled_state, Page.TARGET)]
        assert problems == [
            "KVM / QEMU needs a driver for its Intel ICH9 SATA AHCI controller to reach its own "
            "disk at boot, and neither the image nor the Host package has one: add a driver "
            "folder that has it",
            "KVM / QEMU needs a driver for its Intel PRO/1000 MT (82540EM) network adapter so "
            "the network settings and WinRM work at first boot, and neither the image nor the "
            "Host package has one: add a driver folder that has it",
        ]
        filled_state.engine = EngineName.WINDOWS  # DISM's business, not refused here
        assert "output.target" not in messages(filled_state, Page.TARGET)
    finally:
        filled_state.driver_inventory.close()


def test_iis_is_refused_by_the_portable_engine_on_the_roles_page(
    filled_state: WizardState,
) -> None:
    filled_state.engine = EngineName.PORTABLE
    filled_state.roles = ["IIS"]
    assert (
        "IIS must be installed offline by DISM"
        in messages(filled_state, Page.EDITION)["packages.names"]
    )
    filled_state.engine = EngineName.WINDOWS
    assert "packages.names" not in messages(filled_state, Page.EDITION)


RECIPE_SYNTAX = (" = ", "source.", "drivers.", "packages.", "network.", "oem =", "ipv4")


def test_the_wizard_speaks_its_control_names_not_recipe_keys(filled_state: WizardState) -> None:
    from nanostudio.recipe import validate
    from nanostudio.wizard.state import to_recipe

    filled_state.deployment = Deployment.GUEST
    filled_state.oem = True
    filled_state.roles = ["ShieldedVM"]
    filled_state.timezone = " "
    shown = [p.message for page in SETTINGS_PAGES for p in page_problems(filled_state, page)]
    assert any("clear OEM drivers" in m for m in shown)
    assert any(
        "ShieldedVM needs the Datacenter edition: choose it as the Edition" in m for m in shown
    )
    assert "choose a time zone" in shown
    for message in shown:
        assert not any(syntax in message for syntax in RECIPE_SYNTAX), message
    # The CLI keeps the recipe's keys: they are what its user edits.
    cli = [p.message for p in validate(to_recipe(filled_state))]
    assert any("set oem = false" in m for m in cli)
    assert any('set source.edition = "Datacenter"' in m for m in cli)


def test_a_pasted_prefix_moves_to_the_prefix(filled_state: WizardState) -> None:
    filled_state.static_ip = True
    assert filled_state.set_address(" 192.168.56.10/16 ")
    assert (filled_state.address, filled_state.prefix) == ("192.168.56.10", 16)
    assert "network.ipv4" not in messages(filled_state, Page.NETWORK)
    assert not filled_state.set_address("10.0.0.5/99")
    assert "not a number from 1 to 32" in messages(filled_state, Page.NETWORK)["network.ipv4"]


@pytest.mark.parametrize(("typed", "shown"), [("8", "8 GiB"), ("1GB", "1GB"), ("1GiB", "1GiB")])
def test_a_bare_size_is_gib_and_sizes_show_as_written(
    filled_state: WizardState, typed: str, shown: str
) -> None:
    from nanostudio.wizard.summary import summary_sentences

    filled_state.size_text = typed
    assert "output.size" not in messages(filled_state, Page.OUTPUT)
    assert filled_state.size_bytes == int(typed.rstrip("GiB")) * 1024**3
    assert any(f"The output is a {shown} " in s for s in summary_sentences(filled_state))


@pytest.mark.parametrize(
    ("address", "gateway", "field", "fragment"),
    [
        ("127.0.0.1", "", "network.ipv4", "loopback"),
        ("192.168.56.0", "", "network.ipv4", "network address"),
        ("192.168.56.255", "", "network.ipv4", "broadcast address"),
        ("192.168.56.1", "192.168.56.1", "network.gateway", "the server's own address"),
        ("192.168.56.300", "", "network.ipv4", "the fourth number, 300, is more than 255"),
    ],
)
def test_addresses_a_server_cannot_have_are_refused(
    filled_state: WizardState, address: str, gateway: str, field: str, fragment: str
) -> None:
    filled_state.static_ip = True
    filled_state.address, filled_state.prefix, filled_state.gateway = address, 24, gateway
    assert fragment in messages(filled_state, Page.NETWORK)[field]
    assert not can_go_next(filled_state, Page.NETWORK)
