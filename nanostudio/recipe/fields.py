"""The fields a recipe problem can name: one typed list for validation, the loader,
the wizard's pages and the CLI's ``field: message``.

A member's value is what the user reads: the recipe's TOML key as ``table.key``, or,
for the few fields that are not keys in the file (the password, the engine, the
plan), their plain name. The wizard maps each member to the page that shows it
(``nanostudio.wizard.validation``); the recipe layer knows nothing of pages.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType


class RecipeField(StrEnum):
    """Members are grouped by TOML table, in the order tables are listed to the user."""

    SOURCE_MEDIA = "source.media"
    SOURCE_EDITION = "source.edition"
    SOURCE_DEPLOYMENT = "source.deployment"
    SOURCE_LANGUAGE = "source.language"
    PACKAGES_NAMES = "packages.names"
    PACKAGES_DOCKER_ZIP = "packages.docker_zip"
    PACKAGES_SERVICING = "packages.servicing"
    DRIVERS_OEM = "drivers.oem"
    DRIVERS_VIRTUALBOX = "drivers.virtualbox"
    DRIVERS_FOLDERS = "drivers.folders"
    SYSTEM_COMPUTER_NAME = "system.computer_name"
    SYSTEM_TIMEZONE = "system.timezone"
    SYSTEM_UNATTEND = "system.unattend"
    SYSTEM_DOMAIN_BLOB = "system.domain_blob"
    NETWORK_WINRM = "network.winrm"
    NETWORK_IPV4 = "network.ipv4"
    NETWORK_GATEWAY = "network.gateway"
    NETWORK_DNS = "network.dns"
    NETWORK_INTERFACE = "network.interface"
    NETWORK_IPV6 = "network.ipv6"
    NETWORK_IPV6_DNS = "network.ipv6_dns"
    NETWORK_VLAN = "network.vlan"
    NETWORK_WINRM_HTTPS = "network.winrm_https"
    FIRSTBOOT_COMMANDS = "firstboot.commands"
    FILES_COPY = "files.copy"
    OUTPUT_PATH = "output.path"
    OUTPUT_SIZE = "output.size"
    OUTPUT_TARGET = "output.target"
    EDIT_IMAGE = "edit.image"  # the image an edit reads (Edit-NanoServerImage -TargetPath)
    EDIT_INDEX = "edit.index"  # the image inside a WIM being edited
    BOOT_EMS = "boot.ems"
    BOOT_EMS_PORT = "boot.ems_port"
    BOOT_EMS_BAUD = "boot.ems_baud"
    BOOT_DEBUG = "boot.debug"
    BOOT_DEBUG_PORT = "boot.debug_port"
    BOOT_DEBUG_BAUD = "boot.debug_baud"
    # Not keys in the file:
    OUTPUT_FORMAT = "output.format"  # follows from output.path's suffix
    PASSWORD = "password"  # never stored; NANOSTUDIO_ADMIN_PASSWORD or typed
    PASSWORD_CONFIRM = "password_confirm"  # the wizard's second password box
    ENGINE = "engine"  # chosen per build (--engine, the Output page)
    PLAN = "plan"  # the engine's own verdict on the whole recipe

    @property
    def in_file(self) -> bool:
        """Whether the recipe's TOML file holds this field as a key."""
        return self not in _NOT_IN_FILE

    @property
    def table(self) -> str:
        """The TOML table (``source`` of ``source.media``); only for ``in_file`` fields."""
        return self.value.partition(".")[0]

    @property
    def key(self) -> str:
        """The key inside its table (``media`` of ``source.media``)."""
        return self.value.partition(".")[2]


_NOT_IN_FILE = frozenset(
    {
        RecipeField.OUTPUT_FORMAT,
        RecipeField.PASSWORD,
        RecipeField.PASSWORD_CONFIRM,
        RecipeField.ENGINE,
        RecipeField.PLAN,
    }
)

# A table or key as the recipe file writes it, where it names no field (an unknown or
# forbidden key, a table that is not a table): the only field name that is no member.
RawKey = NewType("RawKey", str)


def file_keys() -> dict[str, set[str]]:
    """The keys a recipe file may hold, by table, tables in the order of the fields."""
    tables: dict[str, set[str]] = {}
    for field in RecipeField:
        if field.in_file:
            tables.setdefault(field.table, set()).add(field.key)
    return tables
