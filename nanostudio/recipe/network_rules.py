"""Rules on the network settings: IPv4 address, prefix, gateway and DNS, IPv6, the
adapter's name or index and the VLAN, each said in the words a user can act on.
"""

from __future__ import annotations

import ipaddress

from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import Recipe
from nanostudio.recipe.problem import Problem, has_control

# netsh and the SetupComplete.cmd lines put the adapter's name inside double quotes.
_INTERFACE_FORBIDDEN = '"'
MAX_INTERFACE_NAME = 256  # IF_MAX_STRING_SIZE
MAX_INTERFACE_INDEX = 2**31 - 1  # ifIndex: InterfaceIndex is a positive Int32 in NetAdapter


_ORDINALS = ("first", "second", "third", "fourth")


def ipv4_address_problem(text: str, example: str = "192.168.56.10") -> str | None:
    """Why ``text`` is not an IPv4 address, naming the part that is wrong, or None."""
    parts = text.strip().split(".")
    if len(parts) != 4:
        return f"{text!r} is not an IPv4 address: write four numbers with dots, e.g. {example}"
    for ordinal, part in zip(_ORDINALS, parts, strict=True):
        if not part.isdigit():
            shown = f"{part!r} is not a number" if part else "is missing"
            return f"in {text!r} the {ordinal} number {shown}: write it like {example}"
        if int(part) > 255:
            return (
                f"in {text} the {ordinal} number, {int(part)}, is more than 255: "
                "each of the four numbers is 0 to 255"
            )
        if len(part) > 1 and part.startswith("0"):
            return f"in {text} the {ordinal} number, {part}, starts with 0: write {int(part)}"
    return None


def _interface_problem(text: str) -> tuple[ipaddress.IPv4Interface | None, str | None]:
    """The server's address and prefix, or why they cannot be one."""
    address, slash, prefix = text.partition("/")
    problem = ipv4_address_problem(address)
    if problem is not None:
        return None, problem
    if not slash:
        return None, f"add the prefix length, e.g. {address.strip()}/24"
    if not prefix.strip().isdigit() or not 1 <= int(prefix) <= 32:
        return None, f"the prefix length {prefix!r} is not a number from 1 to 32, e.g. /24"
    interface = ipaddress.IPv4Interface(f"{address.strip()}/{int(prefix)}")
    ip, network = interface.ip, interface.network
    special = unusable_address(ip)
    if special is not None:
        return interface, (
            f"{ip} is {special} and cannot be a server's address: use the one the server "
            "will have on its network, e.g. 192.168.56.10"
        )
    hosts = f"use one from {network.network_address + 1} to {network.broadcast_address - 1}"
    if network.prefixlen == 32:
        return interface, f"{ip}/32 is not a host address in a network: use a prefix like /24"
    if network.prefixlen <= 30 and ip == network.network_address:
        return interface, (f"{ip} is the network address of {network}, not a host address: {hosts}")
    if network.prefixlen <= 30 and ip == network.broadcast_address:
        return interface, (
            f"{ip} is the broadcast address of {network}, not a host address: {hosts}"
        )
    return interface, None


def unusable_address(address: ipaddress.IPv4Address) -> str | None:
    """Why ``address`` can be no machine's address on a network (in words), or None.

    Loopback never leaves the machine, multicast and the limited broadcast address
    name groups, 0.0.0.0/8 means "this network" and 240.0.0.0/4 is reserved.
    """
    if address.is_loopback:
        return "a loopback address (127.0.0.0/8, this machine only)"
    if address.is_multicast:
        return "a multicast address (224.0.0.0/4)"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if address in ipaddress.IPv4Network("0.0.0.0/8"):
        return 'a "this network" address (0.0.0.0/8)'
    if address.is_reserved:
        return "a reserved address (240.0.0.0/4)"
    return None


def network_problems(recipe: Recipe) -> list[Problem]:
    network = recipe.network
    problems = []
    interface: ipaddress.IPv4Interface | None = None
    if network.ipv4 is not None:
        interface, message = _interface_problem(network.ipv4)
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_IPV4, message))
    elif network.gateway or network.dns:
        problems.append(
            Problem(
                RecipeField.NETWORK_IPV4,
                "a gateway or DNS server needs a static address: set ipv4",
                "a gateway or DNS server needs a static address: choose static",
            )
        )
    if network.gateway is not None:
        message = ipv4_address_problem(network.gateway, "192.168.56.1")
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_GATEWAY, message))
        else:
            problems += _gateway_problems(ipaddress.IPv4Address(network.gateway.strip()), interface)
    for server in network.dns:
        message = ipv4_address_problem(server, "192.168.56.1")
        special = None if message else unusable_address(ipaddress.IPv4Address(server.strip()))
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_DNS, message))
        elif special is not None:
            problems.append(Problem(RecipeField.NETWORK_DNS, f"{server.strip()} is {special}"))
    problems += _interface_problems(network.interface)
    problems += _ipv6_problems(recipe)
    if network.vlan is not None and not MIN_VLAN <= network.vlan <= MAX_VLAN:
        problems.append(
            Problem(
                RecipeField.NETWORK_VLAN,
                f"VLAN ID {network.vlan} is not from {MIN_VLAN} to {MAX_VLAN} "
                "(0 means no tag and 4095 is reserved): leave it empty for no VLAN",
            )
        )
    return problems


MIN_VLAN, MAX_VLAN = 1, 4094  # IEEE 802.1Q: 0 is "no VLAN", 4095 is reserved


def ipv6_address_problem(text: str, example: str = "2001:db8::10") -> str | None:
    """Why ``text`` is not an IPv6 address a server can be given (or use as a DNS
    server), or None. No prefix length and no zone (``%12``): netsh is given the address
    alone, as New-NanoServerImage -Ipv6Address does."""
    stripped = text.strip()
    if "/" in stripped:
        return (
            f"write {stripped.partition('/')[0]!r} without the prefix length: Windows "
            "uses /64 for a static IPv6 address"
        )
    if "%" in stripped:
        return f"{stripped!r} names a zone (%...): write the address alone, e.g. {example}"
    try:
        address = ipaddress.IPv6Address(stripped)
    except ValueError:
        if ipv4_address_problem(stripped) is None:
            return f"{stripped} is an IPv4 address: write an IPv6 address, e.g. {example}"
        return f"{stripped!r} is not an IPv6 address: write it like {example}"
    if address.is_unspecified:
        return f"{address} is the unspecified address (::)"
    if address.is_loopback:
        return f"{address} is the loopback address (this machine only)"
    if address.is_multicast:
        return f"{address} is a multicast address (ff00::/8)"
    if address.is_link_local:
        return (
            f"{address} is a link-local address (fe80::/10), which Windows makes itself: "
            f"use a global or unique-local address, e.g. {example}"
        )
    return None


def _ipv6_problems(recipe: Recipe) -> list[Problem]:
    network = recipe.network
    problems = []
    if network.ipv6 is not None:
        message = ipv6_address_problem(network.ipv6)
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_IPV6, message))
    for server in network.ipv6_dns:
        message = ipv6_address_problem(server, "2001:db8::1")
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_IPV6_DNS, message))
    if network.ipv6 is not None and network.ipv6.strip() in (s.strip() for s in network.ipv6_dns):
        problems.append(
            Problem(
                RecipeField.NETWORK_IPV6_DNS,
                f"{network.ipv6.strip()} is the server's own address: name another DNS server",
            )
        )
    return problems


def _gateway_problems(
    gateway: ipaddress.IPv4Address, interface: ipaddress.IPv4Interface | None
) -> list[Problem]:
    special = unusable_address(gateway)
    if special:
        return [Problem(RecipeField.NETWORK_GATEWAY, f"{gateway} is {special}")]
    if interface is None:
        return []
    if gateway == interface.ip:
        return [
            Problem(
                RecipeField.NETWORK_GATEWAY,
                f"{gateway} is the server's own address: the gateway is another "
                "machine (often the host), or leave it empty",
            )
        ]
    if gateway not in interface.network:
        return [Problem(RecipeField.NETWORK_GATEWAY, f"{gateway} is outside {interface.network}")]
    if gateway in (interface.network.network_address, interface.network.broadcast_address):
        return [
            Problem(
                RecipeField.NETWORK_GATEWAY,
                f"{gateway} is not a host address in {interface.network}",
            )
        ]
    return []


def is_interface_index(name: str) -> bool:
    """Whether -InterfaceNameOrIndex's value is an index (ASCII digits only)."""
    return name.isascii() and name.isdigit()


def _interface_problems(name: str) -> list[Problem]:
    """The adapter's name goes inside double quotes on netsh lines: no quote may close them."""
    if not name.strip():
        return [Problem(RecipeField.NETWORK_INTERFACE, 'name the adapter, e.g. "Ethernet"')]
    if has_control(name):
        return []  # said by text_problems
    if any(c in _INTERFACE_FORBIDDEN for c in name):
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                f"{name!r} holds a double quote: Windows adapter names cannot, remove it",
            )
        ]
    if name != name.strip():
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE, f"{name!r} starts or ends with a space: remove it"
            )
        ]
    if is_interface_index(name) and int(name) == 0:
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                "interface index 0 is no adapter: indexes start at 1 (Get-NetAdapter shows "
                "ifIndex), or name the adapter, e.g. Ethernet",
            )
        ]
    if is_interface_index(name) and int(name) > MAX_INTERFACE_INDEX:
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                f"interface index {name} is more than {MAX_INTERFACE_INDEX}: "
                "Get-NetAdapter shows the adapter's ifIndex",
            )
        ]
    if len(name) > MAX_INTERFACE_NAME:
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                f"the adapter name has {len(name)} characters; Windows allows at most "
                f"{MAX_INTERFACE_NAME}",
            )
        ]
    return []
