"""The build in plain sentences, for the Summary page (and its tests)."""

from __future__ import annotations

from nanostudio.engine.engines import EngineName, resolve_engine
from nanostudio.recipe import OutputFormat, resolved_packages
from nanostudio.sizes import size_text
from nanostudio.wizard.state import WizardState, to_recipe
from nanostudio.wizard.targets import preset


def summary_sentences(state: WizardState) -> list[str]:
    recipe = to_recipe(state)
    sentences = [
        f"Build Nano Server {state.edition.value} ({state.language}) "
        f"from {state.media_path or 'no media yet'}.",
        f"It will run on {preset(state.target).label}: {state.deployment.value} deployment"
        + (", with the OEM drivers." if state.oem or state.virtualbox else "."),
    ]
    packages = [p.short for p in resolved_packages(recipe)]
    sentences.append("Packages: " + ", ".join(packages) + ".")
    if state.driver_folders:
        sentences.append(
            f"Drivers from {len(state.driver_folders)} folder(s): "
            + ", ".join(str(folder) for folder in state.driver_folders)
            + "."
        )
    else:
        sentences.append("No extra drivers.")
    if state.servicing:
        sentences.append(
            f"{len(state.servicing)} update(s): "
            + ", ".join(path.name for path in state.servicing)
            + "; servicing stack updates go in first."
        )
    if state.copies:
        files = sum(len(state.copy_scan(copy.source).files) for copy in state.copies)
        sentences.append(
            f"{files} file(s) ({size_text(state.copy_bytes)}) are copied into the image."
        )
    sentences.append(
        f"The computer is named {state.computer_name}, in time zone {state.timezone}; "
        "the administrator password is set (it is never saved)."
    )
    if state.static_ip:
        network = f"Static address {state.address}/{state.prefix} on {state.interface}"
        if state.gateway.strip():
            network += f", gateway {state.gateway.strip()}"
        if state.dns_servers:
            network += ", DNS " + ", ".join(state.dns_servers)
        sentences.append(network + ".")
    else:
        sentences.append(f"The address comes from DHCP on {state.interface}.")
    sentences.append(
        "WinRM is allowed through the firewall (port 5985) for remote PowerShell."
        if state.winrm
        else "WinRM stays closed: you will need the VM console to manage it."
    )
    if state.commands:
        sentences.append(f"{len(state.commands)} command(s) run at first boot.")
    fmt = state.output_format
    engine = resolve_engine(state.engine)
    if fmt is OutputFormat.WIM:
        sentences.append(f"The output is a WIM image: {state.output_path}.")
    else:
        size = state.size_shown
        # The portable engine writes a fixed VHD; its VHDX and every disk diskpart
        # makes (type=expandable) are dynamic.
        fixed = fmt is OutputFormat.VHD and engine is EngineName.PORTABLE
        kind = "a fixed disk of the full size" if fixed else "it grows as Windows fills it"
        sentences.append(
            f"The output is a {size} {fmt.value.upper() if fmt else '?'} disk "
            f"({kind}): {state.output_path}."
        )
    if engine is EngineName.PORTABLE:
        updates = ", updates" if state.servicing else ""
        sentences.append(
            "The portable engine builds it here; the boot and network drivers the target "
            f"needs go into the image, packages{updates} and your other drivers are "
            "installed at the first boot, which takes a few extra minutes."
        )
    else:
        updates = " and updates" if state.servicing else ""
        sentences.append(
            f"The Windows engine builds it with DISM; packages{updates} are added offline."
        )
    return sentences
