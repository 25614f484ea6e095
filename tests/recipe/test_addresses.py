"""Addresses no server can have are refused as its IPv4, gateway or DNS (issue 12 §6)."""

from __future__ import annotations

import pytest

from nanostudio.recipe import NetworkSpec, Recipe
from nanostudio.recipe.validate import validate


def _problems(**network: object) -> dict[str, str]:
    recipe = Recipe(network=NetworkSpec(**network))  # type: ignore[arg-type]
    return {p.field: p.message for p in validate(recipe) if p.field.startswith("network.")}


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.5/8", "loopback"),
        ("127.1.2.3/24", "loopback"),
        ("224.0.0.1/24", "multicast"),
        ("239.255.255.250/16", "multicast"),
        ("255.255.255.255/24", "broadcast"),
        ("0.0.0.7/24", "this network"),
        ("240.0.0.1/24", "reserved"),
        ("192.168.56.0/24", "not a host address"),  # the network address
        ("192.168.56.255/24", "not a host address"),  # the subnet's broadcast
        ("10.0.0.1/32", "not a host address"),
    ],
)
def test_server_address_that_cannot_be_a_host(address: str, words: str) -> None:
    assert words in _problems(ipv4=address)["network.ipv4"]


@pytest.mark.parametrize("address", ["192.168.56.10/24", "10.1.2.3/8", "172.16.0.9/12"])
def test_ordinary_addresses_pass(address: str) -> None:
    assert "network.ipv4" not in _problems(ipv4=address)


@pytest.mark.parametrize(
    ("gateway", "words"),
    [
        ("127.0.0.1", "loopback"),
        ("224.0.0.1", "multicast"),
        ("192.168.56.10", "own address"),
        ("192.168.56.255", "not a host address"),
        ("192.168.56.0", "not a host address"),
    ],
)
def test_gateway_that_cannot_route(gateway: str, words: str) -> None:
    problems = _problems(ipv4="192.168.56.10/24", gateway=gateway)
    assert words in problems["network.gateway"]


@pytest.mark.parametrize(
    ("server", "words"), [("127.0.0.1", "loopback"), ("224.0.0.251", "multicast")]
)
def test_dns_server_that_cannot_answer(server: str, words: str) -> None:
    problems = _problems(ipv4="192.168.56.10/24", dns=(server,))
    assert words in problems["network.dns"]
