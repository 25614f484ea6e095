"""Load and save recipes as TOML. The administrator password is never a key."""

from __future__ import annotations

import errno
import stat
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path, PureWindowsPath
from typing import Any, TypeGuard, TypeVar

import tomli_w

from nanostudio.catalogue import Deployment, Edition
from nanostudio.errors import RecipeError
from nanostudio.files import (
    cannot_write_message,
    new_file_mode,
    read_small_file,
    replace_atomically,
)
from nanostudio.recipe.copies import destination_problem, normalize_destination
from nanostudio.recipe.fields import RawKey, RecipeField, file_keys
from nanostudio.recipe.model import (
    DEFAULT_SIZE,
    BootSpec,
    CopyPath,
    DebugMethod,
    DriversSpec,
    EditSpec,
    FilesSpec,
    FirstBootSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
    Target,
)
from nanostudio.recipe.validate import Problem
from nanostudio.sizes import format_size, parse_size

_KNOWN = file_keys()
T = TypeVar("T")
MAX_RECIPE_BYTES = 1024 * 1024
_SECRET_KEYS = {"password", "admin_password", "administrator_password"}


def load_recipe(path: Path) -> Recipe:
    """Read a recipe; relative paths in it are relative to the recipe's folder."""
    text = _read(path)
    return parse_recipe(text, base=path.absolute().parent, name=str(path))


def load_recipe_problems(path: Path) -> tuple[Recipe, list[Problem]]:
    """Read a recipe, keeping going past bad values: the recipe (a bad value replaced
    by its default) and every problem found, so ``recipe check`` lists them all.
    Raises RecipeError only for what stops all reading (no file, not TOML)."""
    data = _parse(_read(path), str(path))
    return read_recipe(data, base=path.absolute().parent)


def _read(path: Path) -> str:
    """Only a regular file is read (a pipe or a device would block or never end), at most
    ``MAX_RECIPE_BYTES`` of it, as UTF-8 with or without the BOM Notepad writes."""
    raw = read_small_file(
        path,
        MAX_RECIPE_BYTES,
        what="recipe",
        remedy="give the path of a .toml recipe",
        error=RecipeError,
    )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecipeError(
            f"recipe {path} is not UTF-8 text (byte 0x{raw[error.start]:02X} at offset "
            f"{error.start}): save it as UTF-8"
        ) from None


def _parse(text: str, name: str) -> Mapping[str, Any]:
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"{name} is not valid TOML ({error}): fix the line named") from None
    except RecursionError:
        raise RecipeError(
            f"{name} nests arrays or tables too deeply to be a recipe: fix or rewrite it"
        ) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise RecipeError(f"{name} is not a usable recipe ({error}): fix the value") from None


def parse_recipe(text: str, *, base: Path, name: str = "recipe") -> Recipe:
    return recipe_from_mapping(_parse(text, name), base=base)


def recipe_from_mapping(data: Mapping[str, Any], *, base: Path) -> Recipe:
    """The recipe in ``data``; RecipeError naming every bad key and value."""
    recipe, problems = read_recipe(data, base=base)
    if problems:
        raise RecipeError("; ".join(str(problem) for problem in problems))
    return recipe


def read_recipe(data: Mapping[str, Any], *, base: Path) -> tuple[Recipe, list[Problem]]:
    """The recipe in ``data`` (bad values replaced by their defaults) and its problems."""
    problems = _key_problems(data)
    reader = _Reader(data, base, problems)
    virtualbox = reader.boolean(RecipeField.DRIVERS_VIRTUALBOX, False)
    deployment_default = Deployment.HOST if virtualbox else Deployment.GUEST
    recipe = Recipe(
        source=SourceSpec(
            media=reader.optional_path(RecipeField.SOURCE_MEDIA),
            edition=reader.enum(RecipeField.SOURCE_EDITION, Edition, Edition.STANDARD),
            deployment=reader.enum(RecipeField.SOURCE_DEPLOYMENT, Deployment, deployment_default),
            language=reader.string(RecipeField.SOURCE_LANGUAGE, "en-us").lower(),
        ),
        packages=PackagesSpec(
            names=reader.strings(RecipeField.PACKAGES_NAMES),
            docker_zip=reader.optional_path(RecipeField.PACKAGES_DOCKER_ZIP),
            servicing=reader.paths(RecipeField.PACKAGES_SERVICING),
        ),
        drivers=DriversSpec(
            oem=reader.boolean(RecipeField.DRIVERS_OEM, False),
            virtualbox=virtualbox,
            folders=reader.paths(RecipeField.DRIVERS_FOLDERS),
        ),
        system=SystemSpec(
            computer_name=reader.string(RecipeField.SYSTEM_COMPUTER_NAME, "NANO1"),
            timezone=reader.string(RecipeField.SYSTEM_TIMEZONE, SystemSpec().timezone),
            unattend=reader.optional_path(RecipeField.SYSTEM_UNATTEND),
            domain_blob=reader.optional_path(RecipeField.SYSTEM_DOMAIN_BLOB),
        ),
        network=NetworkSpec(
            winrm=reader.boolean(RecipeField.NETWORK_WINRM, True),
            ipv4=reader.optional_string(RecipeField.NETWORK_IPV4),
            gateway=reader.optional_string(RecipeField.NETWORK_GATEWAY),
            dns=reader.strings(RecipeField.NETWORK_DNS),
            interface=reader.string(RecipeField.NETWORK_INTERFACE, "Ethernet"),
            ipv6=reader.optional_string(RecipeField.NETWORK_IPV6),
            ipv6_dns=reader.strings(RecipeField.NETWORK_IPV6_DNS),
            vlan=reader.optional_integer(RecipeField.NETWORK_VLAN),
            winrm_https=reader.boolean(RecipeField.NETWORK_WINRM_HTTPS, False),
        ),
        firstboot=FirstBootSpec(commands=reader.strings(RecipeField.FIRSTBOOT_COMMANDS)),
        output=OutputSpec(
            path=reader.optional_path(RecipeField.OUTPUT_PATH) or base / "nano.vhdx",
            size=reader.size(RecipeField.OUTPUT_SIZE),
            target=reader.enum(RecipeField.OUTPUT_TARGET, Target, None),
        ),
        boot=_boot(reader),
        files=FilesSpec(copy=reader.copies(RecipeField.FILES_COPY)),
        edit=EditSpec(
            image=reader.optional_path(RecipeField.EDIT_IMAGE),
            index=reader.integer(RecipeField.EDIT_INDEX, EditSpec().index),
        ),
    )
    return recipe, problems


def _boot(reader: _Reader) -> BootSpec:
    default = BootSpec()
    return BootSpec(
        ems=reader.boolean(RecipeField.BOOT_EMS, default.ems),
        ems_port=reader.integer(RecipeField.BOOT_EMS_PORT, default.ems_port),
        ems_baud=reader.integer(RecipeField.BOOT_EMS_BAUD, default.ems_baud),
        debug=reader.enum(RecipeField.BOOT_DEBUG, DebugMethod, default.debug),
        debug_port=reader.integer(RecipeField.BOOT_DEBUG_PORT, default.debug_port),
        debug_baud=reader.integer(RecipeField.BOOT_DEBUG_BAUD, default.debug_baud),
    )


def recipe_to_toml(recipe: Recipe, *, base: Path | None = None) -> str:
    """TOML text for ``recipe``; paths are written relative to ``base`` when inside it."""

    def rel(path: Path) -> str:
        if base is not None:
            try:
                return str(path.resolve().relative_to(base.resolve()))
            except ValueError:
                pass
        return str(path)

    network: dict[str, Any] = {
        "winrm": recipe.network.winrm,
        "interface": recipe.network.interface,
        "dns": list(recipe.network.dns),
    }
    if recipe.network.ipv4:
        network["ipv4"] = recipe.network.ipv4
    if recipe.network.gateway:
        network["gateway"] = recipe.network.gateway
    if recipe.network.ipv6:
        network["ipv6"] = recipe.network.ipv6
    if recipe.network.ipv6_dns:
        network["ipv6_dns"] = list(recipe.network.ipv6_dns)
    if recipe.network.vlan is not None:
        network["vlan"] = recipe.network.vlan
    if recipe.network.winrm_https:
        network["winrm_https"] = True
    source: dict[str, Any] = {
        "edition": recipe.source.edition.value,
        "deployment": recipe.source.deployment.value,
        "language": recipe.source.language,
    }
    if recipe.source.media is not None:
        source["media"] = rel(recipe.source.media)
    output: dict[str, Any] = {
        "path": rel(recipe.output.path),
        "size": format_size(recipe.output.size),
    }
    if recipe.output.target is not None:
        output["target"] = recipe.output.target.value
    packages: dict[str, Any] = {"names": list(recipe.packages.names)}
    if recipe.packages.docker_zip is not None:
        packages["docker_zip"] = rel(recipe.packages.docker_zip)
    if recipe.packages.servicing:
        packages["servicing"] = [rel(p) for p in recipe.packages.servicing]
    document = {
        "source": source,
        "packages": packages,
        "drivers": {
            "oem": recipe.drivers.oem,
            "virtualbox": recipe.drivers.virtualbox,
            "folders": [rel(p) for p in recipe.drivers.folders],
        },
        "system": {
            "computer_name": recipe.system.computer_name,
            "timezone": recipe.system.timezone,
            **({"unattend": rel(recipe.system.unattend)} if recipe.system.unattend else {}),
            **(
                {"domain_blob": rel(recipe.system.domain_blob)} if recipe.system.domain_blob else {}
            ),
        },
        "network": network,
        "firstboot": {"commands": list(recipe.firstboot.commands)},
        "output": output,
    }
    boot = _boot_table(recipe.boot)
    if boot:
        document["boot"] = boot
    if recipe.files.copy:
        document["files"] = {
            "copy": [
                {"source": rel(copy.source), "destination": copy.destination}
                for copy in recipe.files.copy
            ]
        }
    if recipe.edit.image is not None:
        document["edit"] = {"image": rel(recipe.edit.image), "index": recipe.edit.index}
    header = "# NanoStudio recipe. The administrator password is never stored here.\n"
    return header + tomli_w.dumps(document)


def _boot_table(boot: BootSpec) -> dict[str, Any]:
    """Only the boot options that differ from the defaults: most recipes have none."""
    default = BootSpec()
    table: dict[str, Any] = {}
    for name in BootSpec.__dataclass_fields__:
        value = getattr(boot, name)
        if value != getattr(default, name):
            table[name] = value.value if isinstance(value, DebugMethod) else value
    return table


def save_recipe(recipe: Recipe, path: Path) -> None:
    """Write atomically (a new temp file + rename) so a failed save never loses the old file.

    A recipe holds no secret: it gets the mode of the file it replaces, or an ordinary
    new file's (0666 less the umask)."""
    text = recipe_to_toml(recipe, base=path.parent)
    try:
        replace_atomically(path, text.encode("utf-8"), mode=_recipe_mode(path))
    except OSError as error:
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise RecipeError(cannot_write_message(path.parent)) from None
        raise RecipeError(f"cannot save recipe to {path}: {error.strerror}") from None


def _recipe_mode(path: Path) -> int:
    try:
        info = path.stat()
    except OSError:
        return new_file_mode()
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else new_file_mode()


def _key_problems(data: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for table, values in data.items():
        if table not in _KNOWN:
            problems.append(
                Problem(
                    RawKey(table), f"unknown table [{table}]: expected one of {', '.join(_KNOWN)}"
                )
            )
            continue
        if not isinstance(values, Mapping):
            problems.append(Problem(RawKey(table), f"[{table}] must be a table"))
            continue
        for key in values:
            if key.lower() in _SECRET_KEYS:
                problems.append(
                    Problem(
                        RawKey(f"{table}.{key}"),
                        "passwords are never stored in a recipe; remove the key and "
                        "set NANOSTUDIO_ADMIN_PASSWORD or type it when asked",
                    )
                )
            elif key not in _KNOWN[table]:
                problems.append(
                    Problem(
                        RawKey(f"{table}.{key}"),
                        f"unknown key; expected one of {', '.join(sorted(_KNOWN[table]))}",
                    )
                )
    return problems


class _Reader:
    """Typed access to the TOML tables. A bad value becomes a problem naming its key,
    and the default stands in for it, so that reading goes on to the next key."""

    def __init__(self, data: Mapping[str, Any], base: Path, problems: list[Problem]) -> None:
        self._data = data
        self._base = base
        self._problems = problems

    def _get(self, field: RecipeField) -> Any:
        values = self._data.get(field.table, {})
        return values.get(field.key) if isinstance(values, Mapping) else None

    def _bad(self, field: RecipeField, message: str) -> None:
        self._problems.append(Problem(field, message))

    def string(self, field: RecipeField, default: str) -> str:
        value = self.optional_string(field)
        return default if value is None else value

    def optional_string(self, field: RecipeField) -> str | None:
        return self._checked(field, _is_text, "text in quotes")

    def boolean(self, field: RecipeField, default: bool) -> bool:
        value = self._checked(field, _is_bool, "true or false")
        return default if value is None else value

    def integer(self, field: RecipeField, default: int) -> int:
        value = self.optional_integer(field)
        return default if value is None else value

    def optional_integer(self, field: RecipeField) -> int | None:
        return self._checked(field, _is_whole_number, "a whole number")

    def _checked(
        self, field: RecipeField, accepts: Callable[[object], TypeGuard[T]], expected: str
    ) -> T | None:
        """The value at ``field``; None when it is missing, or when ``accepts`` refuses it
        (then a problem says what was ``expected``)."""
        value = self._get(field)
        if value is None:
            return None
        if not accepts(value):
            self._bad(field, f"expected {expected}, got {value!r}")
            return None
        return value

    def strings(self, field: RecipeField) -> tuple[str, ...]:
        value = self._get(field)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._bad(field, 'expected a list of texts like ["a", "b"]')
            return ()
        return tuple(value)

    def optional_path(self, field: RecipeField) -> Path | None:
        value = self.optional_string(field)
        return None if value is None else self._path(value)

    def copies(self, field: RecipeField) -> tuple[CopyPath, ...]:
        """``[{source = "tools", destination = "Tools"}, ...]``; destination may be left
        out (the image's root)."""
        value = self._get(field)
        if value is None:
            return ()
        example = 'expected a list like [{ source = "tools", destination = "Tools" }]'
        if not isinstance(value, list):
            self._bad(field, example)
            return ()
        copies = []
        for item in value:
            source = item.get("source") if isinstance(item, Mapping) else None
            destination = item.get("destination", "") if isinstance(item, Mapping) else None
            extra = set(item) - {"source", "destination"} if isinstance(item, Mapping) else set()
            if not isinstance(source, str) or not isinstance(destination, str) or extra:
                self._bad(field, example)
                return ()
            if destination_problem(destination) is None:  # a bad one is shown as written
                destination = normalize_destination(destination)
            copies.append(CopyPath(self._path(source), destination))
        return tuple(copies)

    def paths(self, field: RecipeField) -> tuple[Path, ...]:
        return tuple(self._path(value) for value in self.strings(field))

    def _path(self, value: str) -> Path:
        """``~`` is the user's home; a relative path is relative to the recipe's folder.
        A Windows path with a drive (``C:\\x``) is never relative, on any host."""
        if "\0" in value:
            raise RecipeError(f"{value!r}: a path cannot hold a NUL character")
        if PureWindowsPath(value).drive and PureWindowsPath(value).is_absolute():
            return Path(value)
        try:
            return self._base / Path(value).expanduser()
        except RuntimeError:  # "~name" of a user that does not exist
            raise RecipeError(
                f"{value!r}: no such user's home folder; write the path in full"
            ) from None

    def enum(self, field: RecipeField, kind: Any, default: Any) -> Any:
        value = self.optional_string(field)
        if value is None:
            return default
        for member in kind:
            if member.value.lower() == value.lower():
                return member
        choices = " or ".join(f'"{m.value}"' for m in kind)
        self._bad(field, f"{value!r} is not valid; use {choices}")
        return default

    def size(self, field: RecipeField) -> int:
        value = self._get(field)
        if value is None:
            return DEFAULT_SIZE
        if not isinstance(value, str | int) or isinstance(value, bool):
            self._bad(field, 'expected a size like "8GiB"')
            return DEFAULT_SIZE
        try:
            return parse_size(value)
        except ValueError as error:
            self._bad(field, str(error))
            return DEFAULT_SIZE


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str)


def _is_bool(value: object) -> TypeGuard[bool]:
    return isinstance(value, bool)


def _is_whole_number(value: object) -> TypeGuard[int]:
    """An int that is not a bool (TOML's true is no number, though Python's is)."""
    return isinstance(value, int) and not isinstance(value, bool)
