"""Issue 16 item 2: an offline domain-join blob (djoin /provision /savefile) in the
answer file, for both engines; bad blobs refused in one line, the blob never shown."""

from __future__ import annotations

import base64
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.content.unattend import render_unattend, render_with_user_file
from nanostudio.errors import BuildError
from nanostudio.recipe import Recipe, SystemSpec, validate
from nanostudio.recipe.domain_blob import DomainBlobError, read_domain_blob
from nanostudio.recipe.powershell import to_new_nanoserverimage
from nanostudio.recipe.ps_import import import_script
from nanostudio.secret import Secret
from tests.support.odj_blob import blob_text

NS = "{urn:schemas-microsoft-com:unattend}"
BLOB = blob_text("NANO1")


def blob_file(tmp_path: Path, text: str = BLOB, encoding: str = "utf-16") -> Path:
    """djoin /savefile writes UTF-16 text with a BOM."""
    path = tmp_path / "nano1.djoin"
    path.write_bytes(text.encode(encoding))
    return path


def _problems(recipe: Recipe) -> list[str]:
    return [p.message for p in validate(recipe) if p.field == "system.domain_blob"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "ascii"])
def test_blob_is_read_as_djoin_writes_it(tmp_path: Path, encoding: str) -> None:
    path = blob_file(tmp_path, BLOB[:60] + "\r\n" + BLOB[60:] + "\x00", encoding)
    assert read_domain_blob(path) == BLOB


def test_both_engines_put_it_in_the_unattendedjoin_component(tmp_path: Path) -> None:
    recipe = Recipe(system=SystemSpec("NANO1", domain_blob=blob_file(tmp_path)))
    assert _problems(recipe) == []
    offline = ET.fromstring(render_unattend(recipe, Secret("x"), offline_servicing=True))
    data = offline.find(
        f"{NS}settings[@pass='offlineServicing']/{NS}component"
        f"[@name='Microsoft-Windows-UnattendedJoin']/{NS}OfflineIdentification/"
        f"{NS}Provisioning/{NS}AccountData"
    )
    assert data is not None and data.text == BLOB
    panther = ET.fromstring(render_unattend(recipe, Secret("x"), offline_servicing=False))
    data = panther.find(
        f"{NS}settings[@pass='specialize']/{NS}component"
        f"[@name='Microsoft-Windows-UnattendedJoin']/{NS}Identification/"
        f"{NS}Provisioning/{NS}AccountData"
    )
    assert data is not None and data.text == BLOB


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        ("not base64 at all!".encode("utf-16"), "not base64"),
        (base64.b64encode(b"short"), "too short"),
        (b"\xff\xfe\x00\xd8", "not text"),
        (b"x" * (65 * 1024), "larger than"),
    ],
)
def test_bad_blobs_are_one_problem_without_content(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.djoin"
    path.write_bytes(content)
    problems = _problems(Recipe(system=SystemSpec(domain_blob=path)))
    assert len(problems) == 1 and words in problems[0]
    with pytest.raises(BuildError, match=words):
        render_unattend(
            Recipe(system=SystemSpec(domain_blob=path)), Secret("x"), offline_servicing=True
        )


def test_missing_and_fifo(tmp_path: Path) -> None:
    assert "does not exist" in _problems(Recipe(system=SystemSpec(domain_blob=tmp_path / "n")))[0]
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "regular file" in _problems(Recipe(system=SystemSpec(domain_blob=fifo)))[0]
    with pytest.raises(DomainBlobError):
        read_domain_blob(fifo)


def test_a_users_unattend_joining_too_is_a_conflict(tmp_path: Path) -> None:
    mine = tmp_path / "mine.xml"
    mine.write_text(
        '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize">'
        '<component name="Microsoft-Windows-UnattendedJoin" processorArchitecture="amd64">'
        "<Identification><JoinWorkgroup>W</JoinWorkgroup></Identification></component>"
        "</settings></unattend>"
    )
    recipe = Recipe(system=SystemSpec(unattend=mine, domain_blob=blob_file(tmp_path)))
    problems = [p.message for p in validate(recipe) if p.field == "system.unattend"]
    assert "specialize/Microsoft-Windows-UnattendedJoin/Identification" in problems[0]
    with pytest.raises(BuildError, match="Identification"):
        render_with_user_file(recipe, Secret("x"), offline_servicing=False)
    assert [
        p
        for p in validate(Recipe(system=SystemSpec(unattend=mine)))
        if p.field == "system.unattend"
    ] == []


def test_powershell_uses_domainblobpath_not_computername_and_round_trips(tmp_path: Path) -> None:
    recipe = Recipe(system=SystemSpec("NANO7", domain_blob=blob_file(tmp_path)))
    script = to_new_nanoserverimage(recipe)
    assert "-DomainBlobPath " in script and "-ComputerName" not in script
    assert BLOB not in script
    back = import_script(script, base=Path("/x"))
    assert back.unmapped == ()
    assert back.recipe.system == recipe.system


def test_cli_check_refuses_a_bad_blob_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.djoin").write_text("!!!not-a-blob-but-secret-ish!!!")
    path = tmp_path / "r.nanostudio.toml"
    path.write_text('[system]\ndomain_blob = "b.djoin"\n')
    assert main(["recipe", "check", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("system.domain_blob")]
    assert len(lines) == 1 and "not base64" in lines[0]
    assert "secret-ish" not in err and "Traceback" not in err
