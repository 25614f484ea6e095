"""A djoin blob from someone else: Unicode look-alike machine names, and where it is stored.

The blob is refused unless its machine name is this computer's NetBIOS name; Python's
str.upper() folds more than NetBIOS does. Storing it must not follow a link or keep
a stale file's permissions: it holds a machine account's password.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from nanostudio.errors import UserFacingError
from nanostudio.recipe import Recipe, SystemSpec, validate
from nanostudio.recipe.djoin_harvest import harvest_blob
from nanostudio.recipe.domain_blob import netbios_equal
from nanostudio.remote.paths import write_private_bytes
from tests.support.odj_blob import write_blob
from tests.support.windows_fakes.fake_djoin import FakeDjoin


@pytest.mark.parametrize(
    ("blob_name", "computer_name"),
    [
        ("NANOß", "NANOSS"),  # 'ß'.upper() == 'SS'
        ("ſERVER", "SERVER"),  # LATIN SMALL LETTER LONG S upper-cases to 'S'
        ("ıNANO", "INANO"),  # dotless i upper-cases to 'I'
        ("\u212aNANO", "KNANO"),  # KELVIN SIGN (lower-cases to 'k')
        ("ＮＡＮＯ１", "NANO1"),  # fullwidth letters and digit
        ("ﬀ1", "FF1"),  # the ligature upper-cases to 'FF'
    ],
)
def test_look_alike_machine_names_are_other_computers(
    blob_name: str, computer_name: str, tmp_path: Path
) -> None:
    assert not netbios_equal(blob_name, computer_name)
    blob = write_blob(tmp_path / "other.djoin", blob_name)
    [problem] = [
        p.message
        for p in validate(Recipe(system=SystemSpec(computer_name, domain_blob=blob)))
        if p.field == "system.domain_blob"
    ]
    assert "was made for the computer" in problem


def test_ascii_names_still_compare_as_netbios_does() -> None:
    assert netbios_equal("web-7", "WEB-7")
    assert netbios_equal("NANOß", "NANOß")  # the same characters: the same name
    assert not netbios_equal("WEB-7", "WEB-8")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and symbolic links")
def test_a_stale_or_planted_partial_file_is_never_written_through(tmp_path: Path) -> None:
    dest = tmp_path / "NANO1.djoin"
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (tmp_path / "NANO1.djoin.partial").symlink_to(victim)
    write_private_bytes(dest, b"secret blob")
    assert victim.read_text() == "untouched"
    assert dest.read_bytes() == b"secret blob"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600

    (tmp_path / "NANO1.djoin.partial").unlink()
    stale = tmp_path / "NANO1.djoin.partial"
    stale.write_bytes(b"")
    stale.chmod(0o644)  # left by an older run, readable by all
    write_private_bytes(dest, b"new secret")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["NANO1.djoin", "NANO1.djoin.partial", "victim.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="the fake djoin is a POSIX shell wrapper")
def test_a_harvest_replaces_an_older_blob_but_no_other_file(tmp_path: Path) -> None:
    # A recipe's system.domain_blob may name any file: the recipe, a script.
    djoin = FakeDjoin(tmp_path / "fake")
    recipe = tmp_path / "web.nanostudio.toml"
    recipe.write_text('[system]\ncomputer_name = "WEB7"\ndomain_blob = "web.nanostudio.toml"\n')
    with pytest.raises(UserFacingError, match="exists and is not a djoin blob"):
        harvest_blob("corp.example.com", "WEB7", recipe, djoin=str(djoin.path))
    assert recipe.read_text().startswith("[system]")
    assert not djoin.journal.exists()  # refused before any account was provisioned

    older = write_blob(tmp_path / "WEB7.djoin", "WEB7")
    harvest = harvest_blob("corp.example.com", "WEB7", older, djoin=str(djoin.path))
    assert harvest.join.machine_name == "WEB7"
