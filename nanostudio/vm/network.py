"""Ports and address plans that make WinRM reachable from this host without touching the VM."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

from nanostudio.vm.model import GuestNetwork, VmError

LOOPBACK = "127.0.0.1"

# Asks the user, in a sentence, before a hypervisor changes the host's networks.
Consent = Callable[[str], bool]


@dataclass(frozen=True)
class HostInterface:
    """A host network interface with an IPv4 address: Hyper-V's vEthernet adapters,
    VirtualBox's host-only networks. ``mask`` is a prefix length ("24") or a netmask
    ("255.255.255.0"), as the hypervisor lists it."""

    name: str
    address: str
    mask: str

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.address}/{self.mask}", strict=False)


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def other_free_port(taken: int) -> int:
    """A free port other than ``taken`` (the OS may hand the same one out twice)."""
    while (port := free_port()) == taken:
        continue
    return port


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class NatPlan:
    """A NAT (QEMU user networking, VirtualBox NAT) laid over the image's own subnet.

    A static address outside the NAT's default 10.0.2.0/24 would be unreachable: the NAT
    is moved into the static address's subnet instead, and the forwarded port names the
    static address as its guest side.
    """

    network: str | None  # "192.168.56.0/24"; None: the NAT's default, DHCP
    host: str | None  # the NAT's own address in that subnet (the guest's gateway if it can)
    dns: str | None
    guest: str | None  # where the forwarded port goes; None: the DHCP address


def nat_plan(guest: GuestNetwork) -> NatPlan:
    net = guest.network
    address = guest.address
    if net is None or address is None:
        return NatPlan(None, None, None, None)
    if net.prefixlen > 29:
        raise VmError(
            f"The image's subnet {net} is too small for a NAT next to it: use a /29 or larger, "
            "or DHCP."
        )
    taken = {ipaddress.ip_address(address)}
    candidates = []
    if guest.gateway:
        gateway = ipaddress.ip_address(guest.gateway)
        if gateway in net and gateway not in taken:
            candidates.append(gateway)
    candidates += [h for h in net.hosts() if h not in taken and h not in candidates][:4]
    host, dns = candidates[0], candidates[1]
    return NatPlan(str(net), str(host), str(dns), address)


def host_address_for(guest: GuestNetwork) -> str:
    """The address the host takes in the subnet of the guest's static address (the
    host-only network or Internal switch that reaches it): the guest's gateway when it
    lies there, else the subnet's first other address."""
    net = guest.network
    if net is None:
        raise ValueError("the guest has no static address")
    gateway = guest.gateway
    if gateway and gateway != guest.address and ipaddress.ip_address(gateway) in net:
        return gateway
    return next(str(host) for host in net.hosts() if str(host) != guest.address)
