"""The network part of SetupComplete.cmd: VLAN, static IPv6 and IPv4 addresses, DNS
servers, set with netsh and NetAdapter once the adapter's driver is installed."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from nanostudio.engine.content.cmd_lines import logged_step, powershell, quoted
from nanostudio.recipe import Recipe
from nanostudio.recipe.network_rules import is_interface_index


def network_steps(recipe: Recipe) -> list[str]:
    """The VLAN, static addresses and DNS servers, each a logged step (nothing for DHCP);
    run after the drivers and packages (the adapter exists only once its driver is in).

    The VLAN comes first: Set-NetAdapter -VlanID restarts the adapter, and the
    addresses below are per interface, so they survive it. IPv6 then IPv4, as
    New-NanoServerImage writes them (Write-SetupComplete, firstboot-facts.md 1.8):
    ``netsh interface ipv6 set address "IF" <addr>``, ``set dnsservers "IF" static``
    for the first DNS server and ``add dnsservers "IF" <dns> index=<n>`` for the
    others. netsh takes an interface name or index in the same place.
    """
    network = recipe.network
    name = quoted(network.interface)
    lines: list[str] = []
    if network.vlan is not None:
        lines += logged_step(f"VLAN ID {network.vlan} on {network.interface}", _vlan(recipe))
    if network.ipv6:
        lines += logged_step(
            f"static IPv6 {network.ipv6} on {network.interface}",
            f'netsh interface ipv6 set address "{name}" {network.ipv6.strip()}',
        )
    for index, server in enumerate(network.ipv6_dns, 1):
        if index == 1:
            command = f'netsh interface ipv6 set dnsservers "{name}" static {server} validate=no'
        else:
            command = (
                f'netsh interface ipv6 add dnsservers "{name}" {server} index={index} validate=no'
            )
        lines += logged_step(f"IPv6 DNS server {server}", command)
    if network.ipv4 is None:
        return lines
    interface = ipaddress.IPv4Interface(network.ipv4)
    address = f"static {interface.ip} {interface.netmask}"
    if network.gateway:
        address += f" {network.gateway}"
    lines += logged_step(
        f"static IPv4 {network.ipv4} on {network.interface}",
        f'netsh interface ipv4 set address name="{name}" {address}',
    )
    lines += list(_dns(name, network.dns))
    return lines


def _vlan(recipe: Recipe) -> str:
    """``Set-NetAdapter -VlanID`` (NetAdapter module; "sets the basic properties of a
    network adapter such as virtual LAN (VLAN) identifier", learn.microsoft.com
    Set-NetAdapter): it writes the adapter driver's ``VlanID`` advanced property, so the
    driver must support 802.1Q tagging. New-NanoServerImage has no VLAN parameter;
    Nano Server Image Builder offers one ("Enable Virtual LAN IDs", Deploy-Nano-Server)
    without saying how it sets it. That the NetAdapter module is on Nano Server 2016
    is not confirmed by any source found (unverified); a failure is logged like any
    step. On a Hyper-V VM the tag is usually set on the host instead
    (Set-VMNetworkAdapterVlan)."""
    network = recipe.network
    vlan = network.vlan
    if is_interface_index(network.interface):
        adapter = f"Get-NetAdapter -InterfaceIndex {int(network.interface)}"
    else:
        literal = quoted(network.interface).replace("'", "''")
        adapter = f"Get-NetAdapter -Name '{literal}'"
    return powershell(
        f"{adapter} -ErrorAction Stop | Set-NetAdapter -VlanID {vlan} -Confirm:$false "
        "-ErrorAction Stop"
    )


def _dns(name: str, servers: Iterable[str]) -> Iterable[str]:
    for index, server in enumerate(servers, 1):
        if index == 1:
            command = (
                f'netsh interface ipv4 set dnsservers name="{name}" static {server} '
                "primary validate=no"
            )
        else:
            command = (
                f'netsh interface ipv4 add dnsservers name="{name}" address={server} '
                f"index={index} validate=no"
            )
        yield from logged_step(f"DNS server {server}", command)
