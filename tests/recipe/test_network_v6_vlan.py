"""Issue 16 item 4: VLAN ID, IPv6 address and DNS, the interface by name or index.

Validated like the IPv4 fields (one problem per field, in words), written by
``recipe powershell`` as New-NanoServerImage's -Ipv6Address, -Ipv6Dns and
-InterfaceNameOrIndex, and applied by SetupComplete.cmd after drivers and packages.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.content.setupcomplete import render_after_setup, render_setupcomplete
from nanostudio.engine.content.staging import StagedContent
from nanostudio.recipe import NetworkSpec, Recipe, validate
from nanostudio.recipe.powershell import to_new_nanoserverimage
from nanostudio.recipe.ps_import import import_script
from nanostudio.recipe.toml_io import read_recipe, recipe_to_toml
from tests.engine_portable.test_setupcomplete import package


def _network(**changes: object) -> Recipe:
    return Recipe(network=replace(NetworkSpec(), **changes))  # type: ignore[arg-type]


def _problems(recipe: Recipe, field: str) -> list[str]:
    return [p.message for p in validate(recipe) if p.field == field]


@pytest.mark.parametrize(
    ("vlan", "ok"), [(1, True), (4094, True), (0, False), (4095, False), (-3, False)]
)
def test_vlan_is_1_to_4094(vlan: int, ok: bool) -> None:
    problems = _problems(_network(vlan=vlan), "network.vlan")
    assert (problems == []) is ok
    if not ok:
        assert "1 to 4094" in problems[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2001:db8::10/64", "without the prefix length"),
        ("fe80::1%12", "zone"),
        ("192.168.1.5", "is an IPv4 address"),
        ("2001:db8::zz", "not an IPv6 address"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("ff02::1", "multicast"),
        ("fe80::5", "link-local"),
    ],
)
def test_bad_ipv6_addresses_are_named(text: str, words: str) -> None:
    problems = _problems(_network(ipv6=text), "network.ipv6")
    assert len(problems) == 1 and words in problems[0]
    dns = _problems(_network(ipv6_dns=(text,)), "network.ipv6_dns")
    assert len(dns) == 1 and words in dns[0]


def test_good_ipv6_and_own_address_as_dns() -> None:
    good = _network(ipv6="2001:db8::10", ipv6_dns=("2001:db8::1",))
    assert [p for p in validate(good) if p.field.startswith("network.")] == []
    problems = _problems(_network(ipv6="fd00::5", ipv6_dns=("fd00::5",)), "network.ipv6_dns")
    assert problems and "own address" in problems[0]


@pytest.mark.parametrize(("name", "ok"), [("12", True), ("0", False), ("99999999999", False)])
def test_interface_index(name: str, ok: bool) -> None:
    assert (_problems(_network(interface=name), "network.interface") == []) is ok


def test_ipv6_controls_and_quotes_are_refused_by_the_text_rules() -> None:
    recipe = _network(ipv6='fd00::1" & calc')
    assert _problems(recipe, "network.ipv6")


def test_toml_round_trip_and_bad_types() -> None:
    recipe = _network(interface="3", ipv6="fd00::5", ipv6_dns=("fd00::1", "fd00::2"), vlan=7)
    back, problems = read_recipe(tomllib.loads(recipe_to_toml(recipe)), base=Path("/x"))
    assert problems == [] and back.network == recipe.network
    bad = tomllib.loads('[network]\nvlan = "ten"\nipv6 = 6\n')
    _, problems = read_recipe(bad, base=Path("/x"))
    assert {p.field for p in problems} == {"network.vlan", "network.ipv6"}


def test_setupcomplete_sets_vlan_then_ipv6_then_ipv4_after_drivers() -> None:
    recipe = _network(
        ipv4="10.0.0.5/24",
        interface="Lab 'A'",
        ipv6="2001:db8::10",
        ipv6_dns=("2001:db8::1", "2001:db8::2"),
        vlan=42,
    )
    text = render_setupcomplete(recipe, StagedContent(packages=(package("DSC"),)))
    vlan = text.index("Set-NetAdapter -VlanID 42")
    v6 = text.index("netsh interface ipv6 set address \"Lab 'A'\" 2001:db8::10")
    dns1 = text.index("netsh interface ipv6 set dnsservers \"Lab 'A'\" static 2001:db8::1")
    dns2 = text.index("netsh interface ipv6 add dnsservers \"Lab 'A'\" 2001:db8::2 index=2")
    v4 = text.index("netsh interface ipv4 set address name=\"Lab 'A'\" static 10.0.0.5")
    assert text.index("dism /online /add-package") < vlan < v6 < dns1 < dns2 < v4
    assert "Get-NetAdapter -Name 'Lab ''A''' -ErrorAction Stop" in text
    # Applied again after the restart, when the adapter may only now have its driver.
    assert "Set-NetAdapter -VlanID 42" in render_after_setup(recipe)


def test_vlan_with_dhcp_and_an_index() -> None:
    text = render_setupcomplete(_network(interface="12", vlan=5), StagedContent())
    assert "Get-NetAdapter -InterfaceIndex 12 -ErrorAction Stop | Set-NetAdapter -VlanID 5" in text
    assert "netsh interface ipv4 set address" not in text


def test_powershell_writes_the_module_parameters() -> None:
    recipe = _network(interface="12", ipv6="fd00::5", ipv6_dns=("fd00::1", "fd00::2"), vlan=9)
    script = to_new_nanoserverimage(recipe)
    assert "-InterfaceNameOrIndex '12'" in script
    assert "-Ipv6Address 'fd00::5'" in script and "-Ipv6Dns 'fd00::1','fd00::2'" in script
    assert "Set-NetAdapter -VlanID 9" in script
    assert import_script(script, base=Path("/x")).recipe.network == recipe.network


def test_import_of_image_builder_ipv6_line() -> None:
    script = (
        "New-NanoServerImage -MediaPath 'D:\\' -DeploymentType Guest -Edition Standard "
        "-TargetPath 'C:\\n.vhdx' -InterfaceNameOrIndex 'Ethernet' "
        "-Ipv6Address '2001:db8::7' -Ipv6Dns '2001:db8::1','2001:db8::2'\n"
    )
    imported = import_script(script, base=Path("/x"))
    assert imported.unmapped == ()
    network = imported.recipe.network
    assert network.ipv6 == "2001:db8::7" and network.ipv6_dns == ("2001:db8::1", "2001:db8::2")


def test_a_users_own_set_netadapter_command_stays_a_command() -> None:
    command = 'powershell -Command "Set-NetAdapter -Name X -VlanID 3 -Confirm:$false"'
    script = (
        "New-NanoServerImage -MediaPath 'D:\\' -DeploymentType Guest -Edition Standard "
        f"-TargetPath 'C:\\n.vhdx' -SetupCompleteCommand '{command}'\n"
    )
    recipe = import_script(script, base=Path("/x")).recipe
    assert recipe.network.vlan is None and recipe.firstboot.commands == (command,)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("vlan = 4095", "network.vlan"),
        ('vlan = "10"', "network.vlan"),
        ('ipv6 = "fe80::1"', "network.ipv6"),
        ('ipv6_dns = ["1.1.1.1"]', "network.ipv6_dns"),
        ('interface = "0"', "network.interface"),
        ('winrm_https = "yes"', "network.winrm_https"),
    ],
)
def test_cli_recipe_check_names_the_field_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, field: str
) -> None:
    path = tmp_path / "r.nanostudio.toml"
    path.write_text(f"[network]\n{body}\n")
    assert main(["recipe", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert any(line.startswith(field) for line in err.splitlines()), err
