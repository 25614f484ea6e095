"""The wizard's answers so far, as one typed object, and its conversion to a Recipe.

Pages only read and write these fields; navigation and validation (in
``navigation`` and ``validation``) are computed from them, so both are tested
without a QApplication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nanostudio.catalogue import Deployment, Edition, find_package
from nanostudio.engine.engines import EngineName
from nanostudio.engine.events import BuildOutcome
from nanostudio.media.drivers import DriverFolder, scan_driver_folder
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import (
    DEFAULT_SIZE,
    BootSpec,
    CopyPath,
    DriversSpec,
    EditSpec,
    FilesSpec,
    FirstBootSpec,
    NetworkSpec,
    OutputFormat,
    OutputSpec,
    PackagesSpec,
    Problem,
    Recipe,
    SourceSpec,
    SystemSpec,
)
from nanostudio.recipe.copies import CopyScan, scan_copy_source
from nanostudio.recipe.edit_rules import edited_path
from nanostudio.recipe.model import Target
from nanostudio.recipe.odj import ProvisionedJoin
from nanostudio.secret import Secret
from nanostudio.sizes import disk_size_text, format_size, parse_size
from nanostudio.wizard.pages import BuildStatus, Page
from nanostudio.wizard.targets import preset

if TYPE_CHECKING:  # the engine's driver checks load when first used, not at start-up
    from nanostudio.engine.checks import HeldInventory
    from nanostudio.engine.edit.image_facts import ImageFacts
    from nanostudio.engine.edit.source import EditSource

__all__ = [
    "BuildStatus",
    "Page",
    "WizardState",
    "apply_recipe",
    "free_output_path",
    "to_recipe",
]


_DNS_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class WizardState:
    """Mutable on purpose: one instance lives as long as the wizard window."""

    media_path: Path | None = None
    media: MediaInfo | None = None
    media_error: str | None = None
    inspecting: bool = False

    target: Target = Target.HYPERV_GEN2
    deployment: Deployment = Deployment.GUEST
    oem: bool = False
    virtualbox: bool = False

    edition: Edition = Edition.STANDARD
    language: str = "en-us"
    roles: list[str] = field(default_factory=list)
    docker_zip: Path | None = None  # Docker's static zip for Containers (recipe only, yet)

    driver_folders: list[Path] = field(default_factory=list)
    # Scanning reads every INF of a folder: done once per folder, not at each keystroke.
    driver_scans: dict[Path, DriverFolder] = field(default_factory=dict)
    scanning_drivers: set[Path] = field(default_factory=set)  # being read on a worker thread

    # Updates (.cab/.msu) and copies into the image (the Updates and files page).
    servicing: list[Path] = field(default_factory=list)
    copies: list[CopyPath] = field(default_factory=list)
    # A copy's source is read once (on a worker thread), like a driver folder.
    copy_scans: dict[Path, CopyScan] = field(default_factory=dict)
    scanning_copies: set[Path] = field(default_factory=set)

    computer_name: str = "NANO1"
    password: Secret = field(default_factory=lambda: Secret(""))
    password_confirm: Secret = field(default_factory=lambda: Secret(""))
    timezone: str = "UTC"
    # The user's answer file (-UnattendPath), read and checked on a worker thread: its
    # problem (or None) is held here, so validation never reads the file.
    unattend: Path | None = None
    unattend_problem: str | None = None
    checking_unattend: bool = False
    # The djoin blob (-DomainBlobPath), checked on a worker thread the same way.
    domain_blob: Path | None = None
    domain_blob_problem: str | None = None
    checking_domain_blob: bool = False
    # The names read from it (never its password), checked against computer_name.
    domain_blob_join: ProvisionedJoin | None = None

    static_ip: bool = False
    address: str = ""
    prefix: int = 24
    gateway: str = ""
    dns: str = ""
    interface: str = "Ethernet"
    ipv6: str = ""
    ipv6_dns: str = ""
    vlan: str = ""  # text as typed: "" is no VLAN; a non-number is a problem
    winrm: bool = True
    winrm_https: bool = False
    firstboot_commands: str = ""

    output_path: Path = field(default_factory=lambda: Path.home() / "nano.vhdx")
    size_text: str = field(default_factory=lambda: format_size(DEFAULT_SIZE))
    engine: EngineName = EngineName.AUTO
    boot: BootSpec = field(default_factory=BootSpec)  # EMS console and kernel debugging

    # The media's drivers (portable engine), read once per media and edition on a
    # worker thread; the Target page judges every target against it.
    driver_inventory: HeldInventory | None = None
    taking_inventory: bool = False
    inventory_error: str | None = None

    # The engine's verdict on the plan, checked off the GUI thread on the Summary page.
    checking_plan: bool = False
    plan_problem: Problem | None = None

    build_status: BuildStatus = BuildStatus.NOT_STARTED
    outcome: BuildOutcome | None = None

    # Edit an existing image (Welcome's "Edit an existing image"): the VHD/VHDX/WIM, read
    # on a worker thread (its format, size and Windows partition) like the media.
    edit_image: Path | None = None
    edit_index: int = 1
    edit_source: EditSource | None = None
    edit_facts: ImageFacts | None = None  # what the image already is (engine/edit)
    # The image's computer name and time zone are still to be taken (first read after
    # start_edit): never over a recipe's, nor over what was typed since.
    image_values_pending: bool = False
    edit_error: str | None = None
    reading_edit: bool = False

    # -- derived values -------------------------------------------------------------

    @property
    def output_format(self) -> OutputFormat | None:
        return OutputFormat.from_path(self.output_path)

    @property
    def dns_servers(self) -> tuple[str, ...]:
        return tuple(s for s in _DNS_SPLIT.split(self.dns.strip()) if s)

    @property
    def ipv6_dns_servers(self) -> tuple[str, ...]:
        return tuple(s for s in _DNS_SPLIT.split(self.ipv6_dns.strip()) if s)

    @property
    def vlan_id(self) -> int | None:
        text = self.vlan.strip()
        return int(text) if text.isascii() and text.isdigit() else None

    @property
    def size_bytes(self) -> int | None:
        try:
            return parse_size(self.size_text)
        except ValueError:
            return None

    @property
    def size_shown(self) -> str:
        """The size as the user wrote it ("1GB" stays "1GB"); a bare number with its
        unit, GiB, said."""
        text = self.size_text.strip()
        return f"{text} GiB" if text.replace(".", "", 1).isdigit() else text

    def set_address(self, text: str) -> bool:
        """The static address as typed; a pasted "192.168.56.10/16" puts 16 in the
        prefix. True if the text was split (the page then shows the parts)."""
        address, slash, prefix = text.strip().partition("/")
        if slash and prefix.strip().isdigit() and 1 <= int(prefix) <= 32:
            self.address, self.prefix = address.strip(), int(prefix)
            return True
        self.address = text.strip()
        return False

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.firstboot_commands.splitlines() if line.strip())

    def current_inventory(self) -> HeldInventory | None:
        """The driver inventory of the chosen media and edition, once taken."""
        held = self.driver_inventory
        image = self.media.image_for(self.edition) if self.media is not None else None
        if held is None or image is None or self.media_path is None:
            return None
        if (held.media_path, held.image_index) != (self.media_path, image.index):
            return None
        return held

    def copy_scan(self, source: Path) -> CopyScan:
        """What a copy's source holds; while it is being read, nothing yet (no problem,
        no size), so that checking the answers never reads it on the GUI thread."""
        if source in self.scanning_copies:
            return CopyScan(source)
        if source not in self.copy_scans:
            self.copy_scans[source] = scan_copy_source(source)
        return self.copy_scans[source]

    @property
    def copy_bytes(self) -> int:
        return sum(self.copy_scan(copy.source).total_bytes for copy in self.copies)

    def driver_scan(self, folder: Path) -> DriverFolder:
        """What ``folder`` holds, scanned on first use (``driver_scans.pop`` to rescan)."""
        if folder not in self.driver_scans:
            self.driver_scans[folder] = scan_driver_folder(folder)
        return self.driver_scans[folder]

    # -- changes that keep related fields consistent ---------------------------------

    def apply_target(self, target: Target) -> None:
        """Choose a target and take its preset (deployment, drivers, disk format)."""
        chosen = preset(target)
        self.target = target
        self.deployment = chosen.deployment
        self.oem = chosen.oem
        self.virtualbox = chosen.virtualbox
        if self.output_format is not OutputFormat.WIM:
            self.set_output_format(chosen.output_format)

    def start_edit(self, image: Path | None) -> None:
        """Edit ``image`` (None: a new image again). The new file goes beside it; WinRM
        is opened only if asked, as Edit-NanoServerImage does. The OEM and VirtualBox
        drivers of the last target (remembered in the settings) are dropped: an edit
        skips the Target page, so nothing would show that they are added; back to a new
        image, the target's drivers are what the Target page shows again."""
        if image is None and self.edit_image is not None:
            self.apply_target(self.target)
        self.edit_image = image
        self.edit_index = 1
        self.edit_source = None
        self.edit_facts = None
        self.edit_error = None
        self.image_values_pending = image is not None
        if image is not None:
            self.output_path = free_output_path(edited_path(image))
            self.winrm = False
            self.oem = False
            self.virtualbox = False

    def take_edit_source(self, source: EditSource, facts: ImageFacts) -> None:
        """The image was read: the new disk keeps its size (the Output page may grow it);
        the edition is the image's (an edit cannot change it), and the first reading
        after ``start_edit`` gives the computer name and time zone (its new answer file
        replaces the image's: it must not rename the server)."""
        self.edit_source = source
        self.edit_facts = facts
        self.edit_error = None
        if source.is_disk:
            self.size_text = disk_size_text(source.size)
        self.edition = facts.edition or self.edition
        if self.image_values_pending:
            self.computer_name = facts.computer_name or self.computer_name
            self.timezone = facts.timezone or self.timezone
            self.image_values_pending = False

    @property
    def image_drivable(self) -> tuple[Target, ...] | None:
        """The VMs the edited image's own drivers start; None while not read."""
        return self.edit_facts.drivable if self.edit_facts is not None else None

    def vm_target(self) -> Target | None:
        """The machine the Done page makes a VM for: the chosen target; for an edit,
        which has none, the remembered one if the image's own drivers serve it, else
        the first VM they serve; None when they serve none, or were not read."""
        if self.edit_image is None:
            return self.target
        drivable = self.image_drivable
        if not drivable:
            return None
        return self.target if self.target in drivable else drivable[0]

    def set_output_format(self, fmt: OutputFormat) -> None:
        """Give the output file ``fmt``'s extension. A path with no file name (the File
        box emptied, a drive's root) gets ``nano``: ``with_suffix`` would raise."""
        path = self.output_path if self.output_path.name else self.output_path / "nano"
        self.output_path = path.with_suffix("." + fmt.value)

    def set_media(self, path: Path | None) -> None:
        """A new source: forget what was learnt about the old one."""
        self.media_path = path
        self.media = None
        self.media_error = None

    def take_media(self, media: MediaInfo) -> None:
        """Inspection finished: keep the edition and language if the media has them."""
        self.media = media
        self.media_error = None
        # An edit's edition is its image's (take_edit_source), whatever the media has.
        if self.edit_image is None and media.image_for(self.edition) is None:
            present = [image.edition for image in media.images if image.edition is not None]
            if present:
                self.edition = present[0]
        if media.languages and self.language not in media.languages:
            self.language = "en-us" if "en-us" in media.languages else media.languages[0]


def to_recipe(state: WizardState) -> Recipe:
    """The recipe for the answers so far; unparseable fields fall back to defaults
    (validation reports them separately)."""
    ipv4 = f"{state.address.strip()}/{state.prefix}" if state.static_ip else None
    gateway = state.gateway.strip() if state.static_ip and state.gateway.strip() else None
    return Recipe(
        source=SourceSpec(
            media=state.media_path,
            edition=state.edition,
            deployment=state.deployment,
            language=state.language,
        ),
        packages=PackagesSpec(
            names=tuple(state.roles), docker_zip=state.docker_zip, servicing=tuple(state.servicing)
        ),
        drivers=DriversSpec(
            oem=state.oem, virtualbox=state.virtualbox, folders=tuple(state.driver_folders)
        ),
        system=SystemSpec(
            computer_name=state.computer_name,
            timezone=state.timezone,
            unattend=state.unattend,
            domain_blob=state.domain_blob,
        ),
        network=NetworkSpec(
            winrm=state.winrm,
            ipv4=ipv4,
            gateway=gateway,
            dns=state.dns_servers if state.static_ip else (),
            interface=state.interface,
            ipv6=state.ipv6.strip() or None,
            ipv6_dns=state.ipv6_dns_servers,
            vlan=state.vlan_id,
            winrm_https=state.winrm_https,
        ),
        firstboot=FirstBootSpec(commands=state.commands),
        output=OutputSpec(
            path=state.output_path,
            size=state.size_bytes or DEFAULT_SIZE,
            # An edit skips the Target page: its image keeps the drivers it has.
            target=None if state.edit_image is not None else state.target,
        ),
        boot=state.boot,
        files=FilesSpec(tuple(state.copies)),
        edit=EditSpec(state.edit_image, state.edit_index),
    )


def free_output_path(wanted: Path) -> Path:
    """``wanted``, or ``name-2.ext``, ``name-3.ext``... the first that does not exist."""
    candidate, number = wanted, 1
    while candidate.exists():
        number += 1
        candidate = wanted.with_name(f"{wanted.stem}-{number}{wanted.suffix}")
    return candidate


def apply_recipe(state: WizardState, recipe: Recipe) -> None:
    """Fill the answers from a saved recipe. The password is not in it: it stays empty."""
    state.set_media(recipe.source.media)
    state.target = recipe.target
    state.deployment = recipe.source.deployment
    state.oem = recipe.drivers.oem
    state.virtualbox = recipe.drivers.virtualbox
    state.edition = recipe.source.edition
    state.language = recipe.source.language
    state.roles = [
        package.short
        for name in recipe.packages.names
        if (package := find_package(name)) is not None and not package.implicit
    ]
    state.docker_zip = recipe.packages.docker_zip
    state.servicing = list(recipe.packages.servicing)
    state.copies = list(recipe.files.copy)
    state.driver_folders = list(recipe.drivers.folders)
    state.computer_name = recipe.system.computer_name
    state.timezone = recipe.system.timezone
    state.unattend = recipe.system.unattend
    state.unattend_problem = None
    state.domain_blob = recipe.system.domain_blob
    state.domain_blob_problem = None
    state.domain_blob_join = None
    network = recipe.network
    state.static_ip = network.ipv4 is not None
    if network.ipv4 is not None:
        address, _, prefix = network.ipv4.partition("/")
        state.address = address
        state.prefix = int(prefix) if prefix.isdigit() else 24
    else:
        state.address = ""
    state.gateway = network.gateway or ""
    state.dns = ", ".join(network.dns)
    state.interface = network.interface
    state.ipv6 = network.ipv6 or ""
    state.ipv6_dns = ", ".join(network.ipv6_dns)
    state.vlan = "" if network.vlan is None else str(network.vlan)
    state.winrm = network.winrm
    state.winrm_https = network.winrm_https
    state.firstboot_commands = "\n".join(recipe.firstboot.commands)
    state.output_path = recipe.output.path
    state.boot = recipe.boot
    state.size_text = format_size(recipe.output.size)
    state.edit_image = recipe.edit.image
    state.edit_index = recipe.edit.index
    state.edit_source = None
    state.edit_facts = None
    state.image_values_pending = False  # the recipe's name and zone are the edit's
    state.edit_error = None
