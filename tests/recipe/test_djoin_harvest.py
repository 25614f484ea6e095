"""Issue 16 item 2: harvesting a blob with djoin /provision on a domain-joined Windows
host, through a FAKE djoin.exe replaying djoin's transcripts (unverified on Windows)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.errors import UserFacingError
from nanostudio.recipe import djoin_harvest
from nanostudio.recipe.djoin_harvest import (
    DjoinError,
    djoin_argv,
    domain_problem,
    harvest_blob,
    scrubbed_environment,
)
from nanostudio.recipe.domain_blob import load_domain_blob
from nanostudio.recipe.toml_io import load_recipe
from tests.support.windows_fakes.fake_djoin import FakeDjoin


@pytest.fixture
def djoin(tmp_path: Path) -> FakeDjoin:
    if sys.platform == "win32":
        pytest.skip("the fake is a POSIX shell wrapper")
    return FakeDjoin(tmp_path / "fake")


def test_a_new_account_is_provisioned_and_its_blob_stored_owner_only(
    djoin: FakeDjoin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", "not-for-djoin")
    dest = tmp_path / "out" / "NANO1.djoin"
    harvest = harvest_blob("corp.example.com", "NANO1", dest, djoin=str(djoin.path))
    assert harvest.join.machine_name == "NANO1" and harvest.join.domain == "corp.example.com"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert load_domain_blob(dest).join == harvest.join
    [call] = djoin.calls()
    savefile = call["argv"][-1]
    assert call["argv"] == [
        "/provision", "/domain", "corp.example.com", "/machine", "NANO1", "/savefile", savefile,
    ]  # fmt: skip
    assert not Path(savefile).parent.exists()  # the private work folder is gone
    assert "NANOSTUDIO_ADMIN_PASSWORD" not in call["env"]
    assert "HOME" not in call["env"]


def test_an_existing_account_needs_reuse(djoin: FakeDjoin, tmp_path: Path) -> None:
    dest = tmp_path / "NANO1.djoin"
    harvest_blob("corp.example.com", "NANO1", dest, djoin=str(djoin.path))
    dest.unlink()
    with pytest.raises(DjoinError) as error:
        harvest_blob("corp.example.com", "nano1", dest, djoin=str(djoin.path))
    assert "already exists" in str(error.value) and "--reuse" in str(error.value)
    assert error.value.exit_code == 1 and not dest.exists()
    harvest_blob("corp.example.com", "NANO1", dest, reuse=True, djoin=str(djoin.path))
    assert djoin.calls()[-1]["argv"][-1] == "/reuse" and dest.is_file()


def test_access_denied_and_a_wrong_machine_store_nothing(djoin: FakeDjoin, tmp_path: Path) -> None:
    dest = tmp_path / "NANO1.djoin"
    djoin.failing("djoin|/provision|denied")
    with pytest.raises(DjoinError, match="access denied"):
        harvest_blob("corp.example.com", "NANO1", dest, djoin=str(djoin.path))
    djoin.failing("djoin|/provision|wrong-name")
    with pytest.raises(DjoinError, match="blob for 'OTHER1', not 'NANO1'"):
        harvest_blob("corp.example.com", "NANO1", dest, djoin=str(djoin.path))
    assert not dest.exists()


@pytest.mark.parametrize(
    "domain",
    ["", "-x", "/savefile", "corp.example.com /reuse", "a b", "..\\evil", "corp..com",
     "c:\\x", "corp.example.com\n", "é.example", "a" * 64 + ".com", "x." * 130 + "com"],
)  # fmt: skip
def test_a_hostile_domain_never_reaches_djoin(domain: str, tmp_path: Path) -> None:
    assert domain_problem(domain) is not None

    def never(*_: object, **__: object) -> subprocess.CompletedProcess[str]:
        raise AssertionError("djoin must not run")

    with pytest.raises(UserFacingError):
        harvest_blob(domain, "NANO1", tmp_path / "b", djoin="djoin", run=never)


@pytest.mark.parametrize("machine", ["", "/reuse", "-N", "NANO 1", "N" * 16, "..", "a/b"])
def test_a_hostile_machine_name_never_reaches_djoin(machine: str, tmp_path: Path) -> None:
    def never(*_: object, **__: object) -> subprocess.CompletedProcess[str]:
        raise AssertionError("djoin must not run")

    with pytest.raises(UserFacingError):
        harvest_blob("corp.example.com", machine, tmp_path / "b", djoin="djoin", run=never)


def test_the_argv_and_the_environment() -> None:
    argv = djoin_argv("djoin.exe", "CORP", "NANO1", Path("/t/blob.txt"), reuse=True)
    assert argv == [
        "djoin.exe", "/provision", "/domain", "CORP", "/machine", "NANO1",
        "/savefile", str(Path("/t/blob.txt")), "/reuse",
    ]  # fmt: skip
    env = scrubbed_environment(
        Path("/w"), {"SystemRoot": "C:\\Windows", "PATH": "C:\\evil", "PYTHONPATH": "x"}
    )
    assert env["PATH"].endswith("System32") and "PYTHONPATH" not in env
    assert env["TEMP"] == str(Path("/w"))


def test_a_hung_djoin_is_one_line(tmp_path: Path) -> None:
    def hangs(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(argv, 1)

    with pytest.raises(DjoinError, match="did not finish"):
        harvest_blob("corp.example.com", "NANO1", tmp_path / "b", djoin="djoin", run=hangs)


@pytest.mark.skipif(sys.platform == "win32", reason="the refusal is for other systems")
def test_djoin_is_never_looked_up_off_windows() -> None:
    with pytest.raises(DjoinError, match="only on Windows"):
        djoin_harvest.system_djoin()
    assert djoin_harvest.joined_domain() is None


def test_cli_harvests_beside_the_recipe_and_points_it_there(
    djoin: FakeDjoin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setattr(djoin_harvest, "system_djoin", lambda: str(djoin.path))
    recipe = tmp_path / "web.nanostudio.toml"
    recipe.write_text('[system]\ncomputer_name = "WEB7"\n')
    assert main(["recipe", "djoin", str(recipe), "--domain", "corp.example.com"]) == 0
    assert load_recipe(recipe).system.domain_blob == tmp_path / "WEB7.djoin"
    assert load_domain_blob(tmp_path / "WEB7.djoin").join.machine_name == "WEB7"
    assert main(["recipe", "djoin", str(recipe), "--domain", "corp.example.com"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "0x8b0" in err and "Traceback" not in err
    assert main(["recipe", "djoin", str(recipe), "--domain", "corp.example.com", "--reuse"]) == 0
    capsys.readouterr()
    main(["recipe", "check", str(recipe)])  # the media is absent: other problems only
    assert "system.domain_blob" not in capsys.readouterr().err
    assert main(["recipe", "djoin", str(recipe), "--domain=-bad"]) == 2


def test_an_unwritable_destination_is_one_line(djoin: FakeDjoin, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DjoinError, match="cannot store the blob"):
        harvest_blob(
            "corp.example.com", "NANO1", blocker / "sub" / "b.djoin", djoin=str(djoin.path)
        )
