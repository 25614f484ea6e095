"""Targets, navigation, recipe round trips, roles, time zones and the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment
from nanostudio.engine.engines import EngineName
from nanostudio.recipe import OutputFormat
from nanostudio.recipe.toml_io import parse_recipe, recipe_to_toml
from nanostudio.secret import Secret
from nanostudio.wizard import (
    PRESETS,
    Page,
    Target,
    WizardState,
    apply_recipe,
    next_page,
    to_recipe,
)
from nanostudio.wizard.roles import implied_packages, role_rows, set_role
from nanostudio.wizard.summary import summary_sentences
from nanostudio.wizard.timezones import TIME_ZONES, find_time_zone, search_time_zones


@pytest.mark.parametrize(
    ("target", "deployment", "oem", "virtualbox", "fmt"),
    [
        (Target.HYPERV_GEN2, Deployment.GUEST, False, False, OutputFormat.VHDX),
        (Target.HYPERV_GEN1, Deployment.GUEST, False, False, OutputFormat.VHD),
        (Target.VIRTUALBOX, Deployment.HOST, True, True, OutputFormat.VHD),
        (Target.VMWARE, Deployment.HOST, True, False, OutputFormat.VHDX),
        (Target.KVM, Deployment.HOST, True, False, OutputFormat.VHDX),
        (Target.PHYSICAL, Deployment.HOST, True, False, OutputFormat.VHDX),
    ],
)
def test_presets(
    target: Target, deployment: Deployment, oem: bool, virtualbox: bool, fmt: OutputFormat
) -> None:
    state = WizardState(output_path=Path("/tmp/x/nano.vhdx"))
    state.apply_target(target)
    assert (state.deployment, state.oem, state.virtualbox) == (deployment, oem, virtualbox)
    assert state.output_format is fmt
    assert state.output_path.name == f"nano.{fmt.value}"
    assert PRESETS[target].note


def test_a_wim_output_keeps_its_format() -> None:
    state = WizardState(output_path=Path("/tmp/nano.wim"))
    state.apply_target(Target.VIRTUALBOX)
    assert state.output_format is OutputFormat.WIM


@pytest.mark.parametrize("typed", ["", "/"])
def test_a_target_names_an_output_without_a_file_name(typed: str) -> None:
    state = WizardState(output_path=Path(typed))
    state.apply_target(Target.VIRTUALBOX)
    assert state.output_path == Path(typed) / "nano.vhd"


def test_pages_follow_in_order() -> None:
    state = WizardState()
    order = [Page.WELCOME]
    while (following := next_page(state, order[-1])) is not None:
        order.append(following)
    assert order == list(Page)


def test_recipe_round_trip_never_holds_the_password(filled_state: WizardState) -> None:
    filled_state.roles = ["DNS", "NPDS"]
    filled_state.static_ip = True
    filled_state.address = "192.168.56.10"
    filled_state.gateway = "192.168.56.1"
    filled_state.dns = "192.168.56.1, 1.1.1.1"
    filled_state.firstboot_commands = "ipconfig\n\n  hostname  "
    filled_state.timezone = "W. Europe Standard Time"
    recipe = to_recipe(filled_state)
    assert recipe.network.ipv4 == "192.168.56.10/24"
    assert recipe.network.dns == ("192.168.56.1", "1.1.1.1")
    assert recipe.firstboot.commands == ("ipconfig", "hostname")
    text = recipe_to_toml(recipe)
    assert "Nano-Pass1" not in text
    loaded = parse_recipe(text, base=Path("/"))
    again = WizardState()
    apply_recipe(again, loaded)
    assert again.password.reveal() == ""
    assert to_recipe(again) == recipe
    assert again.target is Target.KVM  # the recipe records its target


def test_dhcp_ignores_typed_gateway(filled_state: WizardState) -> None:
    filled_state.gateway = "192.168.56.1"
    assert to_recipe(filled_state).network.gateway is None


def test_take_media_keeps_a_present_language(filled_state: WizardState) -> None:
    assert filled_state.media is not None
    filled_state.language = "de-de"
    filled_state.take_media(filled_state.media)
    assert filled_state.language == "de-de"
    filled_state.language = "xx-yy"
    filled_state.take_media(filled_state.media)
    assert filled_state.language == "en-us"


def test_roles_show_dependencies_and_markers(filled_state: WizardState) -> None:
    filled_state.engine = EngineName.PORTABLE
    set_role(filled_state, "NPDS", True)
    rows = {row.package.short: row for row in role_rows(filled_state)}
    assert rows["Defender"].required_by == ("NPDS",)
    assert rows["Defender"].included and not rows["Defender"].chosen
    assert rows["ShieldedVM"].blocked == "needs the Datacenter edition"
    assert rows["IIS"].blocked is not None and "Windows engine" in rows["IIS"].blocked
    assert rows["IIS"].marker is None
    assert rows["DNS"].marker == "installed at first boot"
    assert "Guest" not in rows and "OEM-Drivers" not in rows
    set_role(filled_state, "NPDS", False)
    assert filled_state.roles == []
    assert [p.short for p in implied_packages(filled_state)] == ["Host", "OEM-Drivers"]


def test_time_zones() -> None:
    assert len(TIME_ZONES) > 130
    assert len({zone.id for zone in TIME_ZONES}) == len(TIME_ZONES)
    zone = find_time_zone("w. europe standard time")
    assert zone is not None and zone.offset == "+01:00"
    assert [z.id for z in search_time_zones("tokyo")] == ["Tokyo Standard Time"]
    assert all("+05:30" in z.label for z in search_time_zones("+05:30"))


def test_summary_says_which_disks_grow(filled_state: WizardState) -> None:
    filled_state.engine = EngineName.PORTABLE
    assert "(it grows as Windows fills it)" in " ".join(summary_sentences(filled_state))
    filled_state.set_output_format(OutputFormat.VHD)
    assert "(a fixed disk of the full size)" in " ".join(summary_sentences(filled_state))
    filled_state.engine = EngineName.WINDOWS  # diskpart: type=expandable
    assert "(it grows as Windows fills it)" in " ".join(summary_sentences(filled_state))


def test_summary_is_plain_and_secret_free(filled_state: WizardState) -> None:
    filled_state.static_ip = True
    filled_state.address = "10.0.0.5"
    text = " ".join(summary_sentences(filled_state))
    assert "KVM / QEMU" in text
    assert "Static address 10.0.0.5/24" in text
    assert "Host, OEM-Drivers" in text
    assert "Nano-Pass1" not in text
    filled_state.password = Secret("x")
    assert "x." not in summary_sentences(filled_state)[-1]


@pytest.mark.parametrize(
    ("text", "zone_id"),
    [
        ("Berlin", "W. Europe Standard Time"),
        ("new york", "Eastern Standard Time"),
        ("London", "GMT Standard Time"),
        ("Kolkata", "India Standard Time"),
    ],
)
def test_time_zones_are_found_by_their_places(text: str, zone_id: str) -> None:
    assert [zone.id for zone in search_time_zones(text)] == [zone_id]


def test_a_time_zone_shows_some_of_its_places() -> None:
    zone = find_time_zone("W. Europe Standard Time")
    assert zone is not None
    assert zone.display.startswith("(UTC+01:00) W. Europe Standard Time: ")
    assert "Berlin" in zone.places
