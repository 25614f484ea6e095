"""The ``New-NanoServerImage`` command line equivalent to a recipe.

For administrators who know Microsoft's module: shows what NanoStudio will do
in its terms, and lets them reproduce a build on a host with the module.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path, PureWindowsPath

import tomli_w

from nanostudio.catalogue import find_package, with_dependencies
from nanostudio.errors import RecipeError
from nanostudio.recipe.model import DebugMethod, Recipe
from nanostudio.recipe.validate import recipe_texts
from nanostudio.text import control_character_problem, printable

# Packages the module has a switch for; the rest go through -Package.
_SWITCHES = {
    "Compute": "-Compute",
    "Containers": "-Containers",
    "Defender": "-Defender",
    "FailoverCluster": "-Clustering",
    "Storage": "-Storage",
}


_BASE_PATH = ".\\Base"
# -CopyPath's destination for the image's root (the module joins it to the mount folder).
ROOT_DESTINATION = "\\"


# PowerShell ends a single-quoted string at any of these, not only at the ASCII quote.
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def quote(value: str) -> str:
    """A PowerShell single-quoted literal (no expansion inside): every character
    PowerShell takes for a single quote is doubled, so none can close the literal."""
    return "'" + "".join(c + c if c in _SINGLE_QUOTES else c for c in value) + "'"


def _windows_path(path: Path) -> str:
    """Absolute: ``Mount-DiskImage`` refuses a relative path, and the module resolves
    one against PowerShell's location, not the recipe's folder."""
    if not path.is_absolute() and not PureWindowsPath(str(path)).is_absolute():
        path = path.absolute()
    return quote(str(PureWindowsPath(str(path))))


def media_root(media: Path) -> Path:
    """The folder above ``NanoServer`` for a folder or bare-WIM source."""
    folder = media.parent if media.suffix.lower() == ".wim" else media
    return folder.parent if folder.name.lower() == "nanoserver" else folder


def _control_problems(recipe: Recipe) -> list[tuple[str, str]]:
    found = [(field, control_character_problem(text)) for field, text in recipe_texts(recipe)]
    return [(field, problem) for field, problem in found if problem]


def to_new_nanoserverimage(recipe: Recipe) -> str:
    """One command, continued over lines with backticks, password prompted at run time.

    The module wants the media's root folder, so an ISO is mounted first.
    Raises RecipeError for an address the command cannot be written with, or for a
    value holding a control character (a line break would end the command there).
    """
    for field, problem in _control_problems(recipe):
        raise RecipeError(printable(f"{field}: {problem}"))
    media = recipe.source.media
    prelude = ""
    if media is None:
        # No media in the recipe: asked for when the script runs (recipe import reads
        # a Read-Host value back as "no media").
        prelude = f"$media = Read-Host {quote(MEDIA_PROMPT)}\n"
        media_arg = "$media"
    elif media.suffix.lower() == ".iso":
        prelude = (
            f"$media = (Mount-DiskImage -ImagePath {_windows_path(media)} -PassThru | "
            "Get-Volume).DriveLetter + ':\\'\n"
        )
        media_arg = "$media"
    else:
        media_arg = _windows_path(media_root(media))
    args: list[str] = [
        f"-MediaPath {media_arg}",
        "-BasePath " + quote(_BASE_PATH),
        f"-TargetPath {_windows_path(recipe.output.path)}",
        f"-DeploymentType {recipe.source.deployment.value}",
        f"-Edition {recipe.source.edition.value}",
        *_identity_args(recipe),
        f"-MaxSize {_size(recipe.output.size)}",
        *_addition_args(recipe),
    ]
    command = prelude + "New-NanoServerImage " + " `\n    ".join(args)
    return command + "".join(f"\n{line}" for line in nanostudio_comments(recipe))


def to_powershell(recipe: Recipe) -> str:
    """The module's call for ``recipe``: Edit-NanoServerImage for an edit, else New-."""
    return to_edit_nanoserverimage(recipe) if recipe.is_edit else to_new_nanoserverimage(recipe)


EDIT_NOTE = (
    "# Edit-NanoServerImage changes -TargetPath in place; NanoStudio never does: it writes "
    "the edited image to output.path below.\n"
    "# -BasePath is a folder New-NanoServerImage filled from the media (source.media below)."
)


def to_edit_nanoserverimage(recipe: Recipe) -> str:
    """The Edit-NanoServerImage call that adds the same to ``edit.image``; what the
    cmdlet has no parameter for (the new file, the media, a WIM's index) is on
    ``# nanostudio:`` lines that ``recipe import`` reads back."""
    for field, problem in _control_problems(recipe):
        raise RecipeError(printable(f"{field}: {problem}"))
    image = recipe.edit.image
    if image is None:
        raise RecipeError("edit.image: the recipe edits no image")
    args = [
        "-BasePath " + quote(_BASE_PATH),
        f"-TargetPath {_windows_path(image)}",
        *_identity_args(recipe),
        *_addition_args(recipe),
    ]
    command = EDIT_NOTE + "\nEdit-NanoServerImage " + " `\n    ".join(args)
    header, *values = nanostudio_comments(recipe)
    comments = [header.replace("New-NanoServerImage", "Edit-NanoServerImage"), *values]
    comments += [f"{COMMENT_PREFIX}{key} = {_toml(value)}" for key, value in _edit_values(recipe)]
    return command + "".join(f"\n{line}" for line in comments)


def _edit_values(recipe: Recipe) -> list[tuple[str, object]]:
    values: list[tuple[str, object]] = [
        ("output.path", str(recipe.output.path)),
        ("output.size", recipe.output.size),
        ("source.edition", recipe.source.edition.value),
        ("source.deployment", recipe.source.deployment.value),
    ]
    media = recipe.source.media
    if media is not None and (media.suffix.lower() == ".iso" or media_root(media) == media):
        values.append(("source.media", str(media)))  # else nanostudio_comments has it
    if recipe.edit.index != 1:
        values.append(("edit.index", recipe.edit.index))
    return values


def _identity_args(recipe: Recipe) -> list[str]:
    # The module refuses -ComputerName with -DomainBlobPath (the blob names the
    # machine): the name then goes on a '# nanostudio:' line.
    if recipe.system.domain_blob is not None:
        name = f"-DomainBlobPath {_windows_path(recipe.system.domain_blob)}"
    else:
        name = f"-ComputerName {quote(recipe.system.computer_name)}"
    return [name, "-AdministratorPassword (Read-Host -AsSecureString 'Administrator password')"]


def _addition_args(recipe: Recipe) -> list[str]:
    """Packages, drivers, network, boot options, updates, answers, files, first-boot
    commands: what New- and Edit-NanoServerImage both take."""
    args: list[str] = []
    switches: list[str] = []
    packages: list[str] = []
    # The module adds no dependencies by itself: name them (NPDS needs Defender).
    chosen = [p.short for name in recipe.packages.names if (p := find_package(name))]
    for package in with_dependencies(chosen):
        if package.implicit:
            continue
        if package.short in _SWITCHES:
            switches.append(_SWITCHES[package.short])
        else:
            packages.append(package.name)
    if packages:
        args.append("-Package " + ",".join(quote(p) for p in packages))
    args += switches
    if recipe.drivers.oem or recipe.drivers.virtualbox:
        args.append("-OEMDrivers")
    if recipe.drivers.folders:
        args.append("-DriverPath " + ",".join(_windows_path(f) for f in recipe.drivers.folders))
    network = recipe.network
    if network.winrm:
        args.append("-EnableRemoteManagementPort")
    if _module_uses_interface(recipe):
        args.append(f"-InterfaceNameOrIndex {quote(network.interface)}")
    if network.ipv6:
        args.append(f"-Ipv6Address {quote(network.ipv6)}")
    if network.ipv6_dns:
        args.append("-Ipv6Dns " + ",".join(quote(d) for d in network.ipv6_dns))
    if network.ipv4:
        try:
            interface = ipaddress.IPv4Interface(network.ipv4)
        except ValueError:
            raise RecipeError(
                f"network.ipv4: {network.ipv4!r} is not like 192.168.56.10/24"
            ) from None
        args += [
            f"-Ipv4Address {quote(str(interface.ip))}",
            f"-Ipv4SubnetMask {quote(str(interface.netmask))}",
        ]
        if network.gateway:
            args.append(f"-Ipv4Gateway {quote(network.gateway)}")
        if network.dns:
            args.append("-Ipv4Dns " + ",".join(quote(d) for d in network.dns))
    boot = recipe.boot
    if boot.ems:
        args += ["-EnableEMS", f"-EMSPort {boot.ems_port}", f"-EMSBaudRate {boot.ems_baud}"]
    if boot.debug is DebugMethod.SERIAL:
        args += [
            "-DebugMethod Serial",
            f"-DebugCOMPort {boot.debug_port}",
            f"-DebugBaudRate {boot.debug_baud}",
        ]
    if recipe.packages.servicing:
        # The module installs them in the order given; NanoStudio's own builds put
        # servicing stack updates first whatever the order (engine/servicing.py).
        args.append(
            "-ServicingPackagePath "
            + ",".join(_windows_path(path) for path in recipe.packages.servicing)
        )
    if recipe.system.unattend is not None:
        args.append(f"-UnattendPath {_windows_path(recipe.system.unattend)}")
    if recipe.files.copy:
        pairs = "; ".join(
            f"{_windows_path(copy.source)} = {quote(copy.destination or ROOT_DESTINATION)}"
            for copy in recipe.files.copy
        )
        args.append(f"-CopyPath @{{{pairs}}}")
    zone = recipe.system.timezone.replace('"', "")  # a cmd line inside: no quote may close it
    setup = [f'tzutil /s "{zone}"']
    if network.vlan is not None:
        setup.append(vlan_command(network.interface, network.vlan))
    setup += recipe.firstboot.commands
    args.append("-SetupCompleteCommand " + ",".join(quote(c) for c in setup))
    return args


def _module_uses_interface(recipe: Recipe) -> bool:
    """The module takes -InterfaceNameOrIndex with an IPv4 or IPv6 setting only."""
    network = recipe.network
    return bool(network.ipv4 or network.ipv6 or network.ipv6_dns)


def vlan_command(interface: str, vlan: int) -> str:
    """The -SetupCompleteCommand that sets the VLAN ID (the module has no parameter for
    it; Image Builder's VLAN field has no documented command either): NetAdapter's
    Set-NetAdapter -VlanID, unverified on Nano Server 2016. ``recipe import`` maps this
    exact text back to network.vlan."""
    if interface.isascii() and interface.isdigit():
        adapter = f"Get-NetAdapter -InterfaceIndex {int(interface)}"
    else:
        adapter = "Get-NetAdapter -Name '" + interface.replace('"', "").replace("'", "''") + "'"
    setting = f"Set-NetAdapter -VlanID {vlan} -Confirm:$false"
    return f'powershell -NoProfile -Command "{adapter} | {setting}"'


MEDIA_PROMPT = "Folder or drive of the Windows Server 2016 media"
# Comment lines (PowerShell ignores them) that carry what the module has no parameter
# for, so that `nanostudio recipe import` gives back the same recipe.
COMMENT_PREFIX = "# nanostudio: "
COMMENT_HEADER = (
    "# Settings New-NanoServerImage has no parameter for; `nanostudio recipe import` "
    "reads them back:"
)


def _size(size: int) -> str:
    """-MaxSize: a PowerShell MB literal when exact, else bytes."""
    return f"{size // 1024**2}MB" if size % 1024**2 == 0 else str(size)


def nanostudio_comments(recipe: Recipe) -> list[str]:
    """``# nanostudio: table.key = <TOML value>`` for every setting the command cannot
    say, or says only approximately (the media's root folder for a WIM, the role list's
    order and short names)."""
    values: list[tuple[str, object]] = [("source.language", recipe.source.language)]
    if recipe.system.domain_blob is not None:
        values.append(("system.computer_name", recipe.system.computer_name))
    media = recipe.source.media
    if media is not None and media.suffix.lower() != ".iso" and media_root(media) != media:
        values.append(("source.media", str(media)))
    if recipe.packages.names:
        values.append(("packages.names", list(recipe.packages.names)))
    if recipe.packages.docker_zip is not None:
        values.append(("packages.docker_zip", str(recipe.packages.docker_zip)))
    if recipe.drivers.virtualbox:
        values.append(("drivers.virtualbox", True))
    if recipe.drivers.virtualbox:  # -OEMDrivers is written for either
        values.append(("drivers.oem", recipe.drivers.oem))
    if not _module_uses_interface(recipe):
        values.append(("network.interface", recipe.network.interface))
    if recipe.network.ipv4 is None:
        if recipe.network.gateway:
            values.append(("network.gateway", recipe.network.gateway))
        if recipe.network.dns:
            values.append(("network.dns", list(recipe.network.dns)))
    if recipe.network.winrm_https:
        values.append(("network.winrm_https", True))
    if recipe.output.target is not None:
        values.append(("output.target", recipe.output.target.value))
    return [COMMENT_HEADER] + [f"{COMMENT_PREFIX}{key} = {_toml(value)}" for key, value in values]


def _toml(value: object) -> str:
    """One TOML value on one line (tomli_w writes arrays over several)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return tomli_w.dumps({"v": value}).strip()[len("v = ") :]
