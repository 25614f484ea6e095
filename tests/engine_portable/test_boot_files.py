from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.engine.portable.state import boot_locale
from nanostudio.engine.portable.steps_disk import find_boot_file
from nanostudio.errors import BuildError


def test_boot_files_are_found_whatever_their_case(tmp_path: Path) -> None:
    efi = tmp_path / "Boot" / "efi"
    efi.mkdir(parents=True)
    (efi / "BOOTMGFW.EFI").write_bytes(b"MZ")
    assert find_boot_file(tmp_path, "EFI/bootmgfw.efi") == efi / "BOOTMGFW.EFI"


def test_missing_boot_manager_says_what_to_use(tmp_path: Path) -> None:
    (tmp_path / "Boot" / "EFI").mkdir(parents=True)
    with pytest.raises(BuildError, match=r"no Windows\\Boot\\EFI\\bootmgfw\.efi.*2016 ISO"):
        find_boot_file(tmp_path, "EFI/bootmgfw.efi")


def test_boot_locale_folder_names() -> None:
    assert boot_locale("en-us") == "en-US"
    assert boot_locale("DE-de") == "de-DE"
    assert boot_locale("fr") == "fr"
