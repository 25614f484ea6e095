"""The build in plain sentences, for the Summary page (and its tests)."""

from __future__ import annotations

from nanostudio.engine.engines import EngineName, resolve_engine
from nanostudio.recipe import OutputFormat, resolved_packages
from nanostudio.sizes import size_text
from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP
from nanostudio.wizard.state import WizardState, to_recipe
from nanostudio.wizard.targets import preset


def summary_sentences(state: WizardState) -> list[str]:
    """Plain English for the tests and the CLI; each a :class:`Text` the GUI translates."""
    recipe = to_recipe(state)
    sentences: list[str] = (
        _edit_sentences(state) if state.edit_image is not None else _build_sentences(state)
    )
    packages = ", ".join(p.short for p in resolved_packages(recipe))
    if state.edit_image is None:
        sentences.append(QT_TRANSLATE_NOOP("Summary", "Packages: {0}.").format(packages))
    elif packages:  # an edit adds only what is chosen: no deployment package of its own
        sentences.append(QT_TRANSLATE_NOOP("Summary", "Packages added: {0}.").format(packages))
    else:
        sentences.append(QT_TRANSLATE_NOOP("Summary", "No package is added."))
    if state.driver_folders:
        sentences.append(
            QT_TRANSLATE_NOOP("Summary", "Drivers from {0} folder(s): {1}.").format(
                len(state.driver_folders),
                ", ".join(str(folder) for folder in state.driver_folders),
            )
        )
    else:
        sentences.append(QT_TRANSLATE_NOOP("Summary", "No extra drivers."))
    if state.servicing:
        sentences.append(
            QT_TRANSLATE_NOOP(
                "Summary", "{0} update(s): {1}; servicing stack updates go in first."
            ).format(len(state.servicing), ", ".join(path.name for path in state.servicing))
        )
    if state.copies:
        files = sum(len(state.copy_scan(copy.source).files) for copy in state.copies)
        sentences.append(
            QT_TRANSLATE_NOOP("Summary", "{0} file(s) ({1}) are copied into the image.").format(
                files, size_text(state.copy_bytes)
            )
        )
    sentences.append(
        QT_TRANSLATE_NOOP(
            "Summary",
            "The computer is named {0}, in time zone {1}; "
            "the administrator password is set (it is never saved).",
        ).format(state.computer_name, state.timezone)
    )
    if state.static_ip:
        address = f"{state.address}/{state.prefix}"
        gateway = state.gateway.strip()
        dns = ", ".join(state.dns_servers)
        if gateway and dns:
            network = QT_TRANSLATE_NOOP(
                "Summary", "Static address {0} on {1}, gateway {2}, DNS {3}."
            ).format(address, state.interface, gateway, dns)
        elif gateway:
            network = QT_TRANSLATE_NOOP(
                "Summary", "Static address {0} on {1}, gateway {2}."
            ).format(address, state.interface, gateway)
        elif dns:
            network = QT_TRANSLATE_NOOP("Summary", "Static address {0} on {1}, DNS {2}.").format(
                address, state.interface, dns
            )
        else:
            network = QT_TRANSLATE_NOOP("Summary", "Static address {0} on {1}.").format(
                address, state.interface
            )
        sentences.append(network)
    else:
        sentences.append(
            QT_TRANSLATE_NOOP("Summary", "The address comes from DHCP on {0}.").format(
                state.interface
            )
        )
    sentences.append(
        QT_TRANSLATE_NOOP(
            "Summary", "WinRM is allowed through the firewall (port 5985) for remote PowerShell."
        )
        if state.winrm
        else QT_TRANSLATE_NOOP(
            "Summary", "WinRM stays closed: you will need the VM console to manage it."
        )
    )
    if state.commands:
        sentences.append(
            QT_TRANSLATE_NOOP("Summary", "{0} command(s) run at first boot.").format(
                len(state.commands)
            )
        )
    fmt = state.output_format
    engine = resolve_engine(state.engine)
    if fmt is OutputFormat.WIM:
        sentences.append(
            QT_TRANSLATE_NOOP("Summary", "The output is a WIM image: {0}.").format(
                state.output_path
            )
        )
    else:
        # The portable engine writes a fixed VHD; its VHDX and every disk diskpart
        # makes (type=expandable) are dynamic.
        fixed = fmt is OutputFormat.VHD and engine is EngineName.PORTABLE
        sentence = (
            QT_TRANSLATE_NOOP(
                "Summary", "The output is a {0} {1} disk (a fixed disk of the full size): {2}."
            )
            if fixed
            else QT_TRANSLATE_NOOP(
                "Summary", "The output is a {0} {1} disk (it grows as Windows fills it): {2}."
            )
        )
        sentences.append(
            sentence.format(state.size_shown, fmt.value.upper() if fmt else "?", state.output_path)
        )
    if state.edit_image is not None:
        sentences.append(_edit_engine_sentence(engine, bool(state.servicing)))
    elif engine is EngineName.PORTABLE:
        sentences.append(
            QT_TRANSLATE_NOOP(
                "Summary",
                "The portable engine builds it here; the boot and network drivers the "
                "target needs go into the image, packages, updates and your other drivers "
                "are installed at the first boot, which takes a few extra minutes.",
            )
            if state.servicing
            else QT_TRANSLATE_NOOP(
                "Summary",
                "The portable engine builds it here; the boot and network drivers the "
                "target needs go into the image, packages and your other drivers are "
                "installed at the first boot, which takes a few extra minutes.",
            )
        )
    else:
        sentences.append(
            QT_TRANSLATE_NOOP(
                "Summary",
                "The Windows engine builds it with DISM; packages and updates are added offline.",
            )
            if state.servicing
            else QT_TRANSLATE_NOOP(
                "Summary", "The Windows engine builds it with DISM; packages are added offline."
            )
        )
    return sentences


def _build_sentences(state: WizardState) -> list[str]:
    return [
        QT_TRANSLATE_NOOP("Summary", "Build Nano Server {0} ({1}) from {2}.").format(
            state.edition.value,
            state.language,
            state.media_path or QT_TRANSLATE_NOOP("Summary", "no media yet"),
        ),
        (
            QT_TRANSLATE_NOOP(
                "Summary", "It will run on {0}: {1} deployment, with the OEM drivers."
            )
            if state.oem or state.virtualbox
            else QT_TRANSLATE_NOOP("Summary", "It will run on {0}: {1} deployment.")
        ).format(preset(state.target).label, state.deployment.value),
    ]


def _edit_sentences(state: WizardState) -> list[str]:
    source = state.edit_source
    return [
        QT_TRANSLATE_NOOP("Summary", "Edit {0} ({1}); it is only read.").format(
            state.edit_image,
            source.description if source else QT_TRANSLATE_NOOP("Summary", "not read yet"),
        ),
        QT_TRANSLATE_NOOP(
            "Summary",
            "Packages and drivers come from {0}; the ones the image already has are not "
            "added again, and the drivers it has are kept.",
        ).format(state.media_path or QT_TRANSLATE_NOOP("Summary", "no media yet")),
    ]


def _edit_engine_sentence(engine: EngineName, updates: bool) -> str:
    """How the engine makes the new image: an edit has no target whose drivers it adds."""
    if engine is EngineName.PORTABLE:
        return (
            QT_TRANSLATE_NOOP(
                "Summary",
                "The portable engine writes the new image here; the boot and network drivers "
                "you add go into it, packages, updates and your other drivers are installed "
                "at the first boot, which takes a few extra minutes.",
            )
            if updates
            else QT_TRANSLATE_NOOP(
                "Summary",
                "The portable engine writes the new image here; the boot and network drivers "
                "you add go into it, packages and your other drivers are installed at the "
                "first boot, which takes a few extra minutes.",
            )
        )
    return (
        QT_TRANSLATE_NOOP(
            "Summary",
            "The Windows engine edits a copy of the image with DISM; packages and updates "
            "are added offline.",
        )
        if updates
        else QT_TRANSLATE_NOOP(
            "Summary",
            "The Windows engine edits a copy of the image with DISM; packages are added offline.",
        )
    )
