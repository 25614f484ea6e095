"""``run``/``verify`` take a disk or a recipe: what VM that means."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from pathlib import Path

from nanostudio.errors import UserFacingError
from nanostudio.recipe.model import OutputFormat, Recipe, Target
from nanostudio.recipe.toml_io import load_recipe
from nanostudio.vm.model import GuestNetwork, Hypervisor, VmSpec, hypervisor_for

ASSUMED_TARGET = {
    Hypervisor.QEMU: Target.KVM,
    Hypervisor.VIRTUALBOX: Target.VIRTUALBOX,
    Hypervisor.HYPERV: Target.HYPERV_GEN2,
}


@dataclass(frozen=True)
class VmInput:
    spec: VmSpec
    hypervisor: Hypervisor
    recipe: Recipe | None
    notes: tuple[str, ...] = ()


def resolve_input(
    path: Path,
    *,
    hypervisor: Hypervisor | None = None,
    name: str | None = None,
    ipv4: str | None = None,
) -> VmInput:
    """A recipe (``.toml``: its disk, target, name and address) or a disk; UserFacingError
    (exit 2) for anything else."""
    notes: list[str] = []
    recipe: Recipe | None = None
    if path.suffix.lower() == ".toml":
        recipe = load_recipe(path)
        disk = recipe.output.path
        target = recipe.target
        network = GuestNetwork(recipe.network.ipv4, recipe.network.gateway)
        vm_name = name or recipe.system.computer_name
        if not recipe.network.winrm:
            raise UserFacingError(
                f"{path.name} leaves WinRM closed: NanoStudio cannot reach such a VM. "
                "Set [network] winrm = true and build again."
            )
    else:
        fmt = OutputFormat.from_path(path)
        if fmt is None or fmt is OutputFormat.WIM:
            raise UserFacingError(
                f"{path.name} is neither a disk (.vhdx, .vhd) nor a recipe (.toml)."
            )
        disk = path
        chosen = hypervisor or Hypervisor.QEMU
        target = ASSUMED_TARGET[chosen]
        notes.append(
            f"No recipe given: assuming {path.name} was built for {target.label} "
            "(give the recipe to check its choices)."
        )
        network = GuestNetwork(ipv4) if ipv4 else GuestNetwork()
        vm_name = name or path.stem.upper()[:15]
    if ipv4:
        try:
            if "/" not in ipv4:
                raise ValueError(ipv4)
            ipaddress.IPv4Interface(ipv4)
        except ValueError:
            raise UserFacingError(
                f"--ipv4 {ipv4!r} is not an address with a prefix, like 192.168.56.10/24"
            ) from None
        network = replace(network, ipv4=ipv4)
    if not disk.is_file():
        raise UserFacingError(f"{disk} does not exist: build it first (nanostudio build).")
    if OutputFormat.from_path(disk) is OutputFormat.WIM:
        raise UserFacingError(f"{disk.name} is a WIM image, not a disk: a VM cannot start it.")
    spec = VmSpec(vm_name, disk, target, network)
    return VmInput(spec, hypervisor or hypervisor_for(target), recipe, tuple(notes))
