"""Where an injected driver's files go in the image.

- the service binaries in ``Windows\\System32\\drivers`` (or wherever the INF's
  ServiceBinary points below the Windows folder), which winload reads at boot
  (virt-v2v copies the injected .sys there);
- the whole driver folder in ``System32\\DriverStore\\FileRepository\\<package>``,
  the package the DriverDatabase entries name, so PnP finds the INF and its
  files when it completes the device install at first boot (distrobuilder's
  offline injection does the same);
- the INF in ``Windows\\INF``, beside the in-box INFs;
- the catalog that signs the files in ``System32\\CatRoot\\{F750E6C3-…}``, the
  system catalog database's folder, so code integrity can find the files'
  hashes. Whether winload accepts a boot driver signed only by a catalog added
  this way, without Windows rebuilding its boot catalog cache, is **unknown**:
  nothing here can boot real Windows.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from nanostudio.engine.drivers.resolve import Injection
from nanostudio.engine.drivers.sources import DriverSource

WINDOWS = PurePosixPath("Windows")
DRIVER_STORE = WINDOWS / "System32" / "DriverStore" / "FileRepository"
INF_FOLDER = WINDOWS / "INF"
CATROOT = WINDOWS / "System32" / "CatRoot" / "{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
SYSTEM_HIVE = WINDOWS / "System32" / "config" / "SYSTEM"


def placements(
    source: DriverSource, injections: list[Injection], package: str
) -> list[tuple[Path, PurePosixPath]]:
    """(file on this machine, path in the image) for one INF and its chosen devices."""
    copies: list[tuple[Path, PurePosixPath]] = []
    store = DRIVER_STORE / package
    for path in sorted(source.folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            relative = PurePosixPath(*path.relative_to(source.folder).parts)
            copies.append((path, store / relative))
    binaries: dict[str, tuple[Path, PurePosixPath]] = {}
    for injection in injections:
        for service in injection.services:
            assert isinstance(service.binary, PureWindowsPath)  # resolve checked it
            found = source.file(service.binary.name)
            if found is not None:
                binaries[service.binary.name.lower()] = (found, WINDOWS / _posix(service.binary))
    copies += binaries.values()
    copies.append((source.inf_path, INF_FOLDER / source.inf_name))
    if source.catalog is not None:
        copies.append((source.catalog, CATROOT / source.catalog_name))
    return copies


def _posix(path: PureWindowsPath) -> PurePosixPath:
    return PurePosixPath(*path.parts)
