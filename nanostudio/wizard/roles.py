"""The Edition & roles page's list: what is chosen, what it pulls in, what is refused.

Feedback is computed as the user clicks, so "NPDS pulls in Defender" and
"ShieldedVM needs Datacenter" appear next to the row instead of at build time.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanostudio.catalogue import PACKAGES, PackageInfo, find_package, with_dependencies
from nanostudio.engine.engines import EngineName, resolve_engine
from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP, Text
from nanostudio.wizard.state import WizardState


@dataclass(frozen=True)
class RoleRow:
    package: PackageInfo
    chosen: bool  # ticked by the user
    required_by: tuple[str, ...]  # chosen roles that pull this one in
    on_media: bool  # the media has its cab (True while no media is known)
    blocked: Text | None  # why it cannot be part of this image (translated by the GUI)
    marker: Text | None  # how the chosen engine installs it

    @property
    def included(self) -> bool:
        return self.chosen or bool(self.required_by)


def role_packages() -> tuple[PackageInfo, ...]:
    """The packages offered as roles (Guest, Host and OEM come from the target)."""
    return tuple(package for package in PACKAGES if not package.implicit)


def implied_packages(state: WizardState) -> list[PackageInfo]:
    """Packages the target page chose: the deployment's and perhaps the OEM drivers."""
    shorts = [state.deployment.value]
    if state.oem or state.virtualbox:
        shorts.append("OEM-Drivers")
    return with_dependencies(shorts)


def first_boot_marker(package: PackageInfo, *, portable: bool) -> Text | None:
    """What the portable engine does with this package; None for the Windows engine."""
    return (
        QT_TRANSLATE_NOOP("Roles", "installed at first boot")
        if portable and package.first_boot_ok
        else None
    )


def role_rows(state: WizardState) -> list[RoleRow]:
    """Computed at each click: the engine (a PATH search on Windows) and each chosen
    role's requirements are looked up once, not once per row."""
    chosen = {name.lower() for name in state.roles}
    portable = resolve_engine(state.engine) is EngineName.PORTABLE
    needs = [
        (role, _requirements(info))
        for role in state.roles
        if (info := find_package(role)) is not None
    ]
    rows = []
    for package in role_packages():
        required_by = tuple(role for role, needed in needs if package.short in needed)
        blocked: Text | None = None
        if state.edition not in package.editions:
            editions = " or ".join(edition.value for edition in package.editions)
            blocked = QT_TRANSLATE_NOOP("Roles", "needs the {0} edition").format(editions)
        on_media = state.media is None or state.media.package(package.short) is not None
        if not on_media:
            blocked = QT_TRANSLATE_NOOP("Roles", "not on this media")
        elif portable and not package.first_boot_ok:
            blocked = QT_TRANSLATE_NOOP(
                "Roles", "needs the Windows engine (only DISM installs it, offline)"
            )
        rows.append(
            RoleRow(
                package,
                package.short.lower() in chosen,
                required_by,
                on_media,
                blocked,
                first_boot_marker(package, portable=portable),
            )
        )
    return rows


def set_role(state: WizardState, short: str, chosen: bool) -> None:
    """Tick or untick a role; the order of the list stays the catalogue's."""
    names = {name.lower() for name in state.roles}
    if chosen:
        names.add(short.lower())
    else:
        names.discard(short.lower())
    state.roles = [p.short for p in role_packages() if p.short.lower() in names]


def _requirements(package: PackageInfo) -> set[str]:
    """Everything ``package`` needs, directly or through another package."""
    return {needed.short for needed in with_dependencies([package.short])} - {package.short}
