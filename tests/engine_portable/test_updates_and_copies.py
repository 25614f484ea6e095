"""Issue 16, portable engine: updates (.msu unpacked with gcab, servicing stack update
first) staged for first boot, and files copied into the image; read back from the
built disk's NTFS partition with ntfs-3g's tools."""

from __future__ import annotations

import hashlib
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.engines import EngineName, make_plan
from nanostudio.engine.servicing import UpdateKind, cab_members, classify, order_updates
from nanostudio.errors import RecipeError
from nanostudio.media.inspect import inspect_media
from nanostudio.recipe import CopyPath, FilesSpec, PackagesSpec, Recipe
from nanostudio.recipe.model import GIB
from nanostudio.remote.pinning import PINS_FILE, PinStore
from tests.engine_portable.conftest import full_recipe
from tests.engine_portable.helpers import (
    build,
    extract_partition,
    ntfs_cat,
    ntfs_ls,
    read_gpt,
    to_raw,
)
from tests.support.odj_blob import blob_text, write_blob

SSU_MANIFEST = (
    "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.14393.2300_none_0.manifest"
)
CU_MUM = "Package_for_RollupFix~31bf3856ad364e35~amd64~~14393.2312.1.7.mum"


def _gcab(cab: Path, folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    cab.parent.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    subprocess.run(["gcab", "--create", "--zip", str(cab), *files], cwd=folder, check=True)
    return cab


def make_updates(root: Path) -> tuple[Path, Path, Path]:
    """A cumulative update cab, an .msu holding a servicing stack update, another cab."""
    cu = _gcab(
        root / "Windows10.0-KB4284880-x64.cab",
        root / "cu",
        {"update.mum": b"<assembly/>", CU_MUM: b"<assembly/>"},
    )
    ssu_cab = _gcab(
        root / "inner" / "Windows10.0-KB4132216-x64.cab",
        root / "ssu",
        {"update.mum": b"<assembly/>", SSU_MANIFEST: b"<assembly/>"},
    )
    msu_dir = ssu_cab.parent
    (msu_dir / "WSUSSCAN.cab").write_bytes(b"MSCF not really")
    (msu_dir / "Windows10.0-KB4132216-x64-pkgProperties.txt").write_text('Package Type="Update"')
    msu = root / "windows10.0-kb4132216-x64.msu"
    subprocess.run(
        [
            "gcab",
            "--create",
            "--zip",
            str(msu),
            ssu_cab.name,
            "WSUSSCAN.cab",
            "Windows10.0-KB4132216-x64-pkgProperties.txt",
        ],
        cwd=msu_dir,
        check=True,
    )
    other = _gcab(root / "Windows10.0-KB9-x64.cab", root / "other", {"update.mum": b"<a/>"})
    return cu, msu, other


def test_cab_listing_tells_updates_apart(tmp_path: Path) -> None:
    cu, msu, other = make_updates(tmp_path)
    assert classify(cab_members(cu)) is UpdateKind.CUMULATIVE
    assert classify(cab_members(other)) is UpdateKind.OTHER
    assert set(cab_members(msu)) >= {"Windows10.0-KB4132216-x64.cab", "WSUSSCAN.cab"}
    inner = tmp_path / "inner" / "Windows10.0-KB4132216-x64.cab"
    assert classify(cab_members(inner)) is UpdateKind.SERVICING_STACK
    ordered = order_updates([(cu, cu), (other, other), (inner, msu)])
    assert [cab.path for cab in ordered] == [inner, cu, other]


def test_a_truncated_cab_is_a_media_error(tmp_path: Path) -> None:
    from nanostudio.errors import MediaError

    cu, _, _ = make_updates(tmp_path)
    broken = tmp_path / "broken.cab"
    broken.write_bytes(cu.read_bytes()[:40])
    with pytest.raises(MediaError, match=r"truncated|not a cabinet"):
        cab_members(broken)


@pytest.fixture(scope="module")
def built(
    sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory, session_home: Path
) -> tuple[Recipe, Path]:
    root = tmp_path_factory.mktemp("issue16")
    cu, msu, other = make_updates(root / "updates")
    tools = root / "tools"
    (tools / "bin").mkdir(parents=True)
    (tools / "bin" / "tool.exe").write_bytes(b"MZ tool")
    (tools / "readme.txt").write_text("read me")
    note = root / "note.txt"
    note.write_text("a note")
    drivers = root / "drivers"
    from tests.engine_portable.conftest import write_driver_folder

    drivers = write_driver_folder(drivers)
    assert sample_media.iso is not None
    recipe = full_recipe(sample_media.iso, root / "out" / "nano.vhdx", drivers)
    recipe = replace(
        recipe,
        packages=replace(recipe.packages, servicing=(cu, msu, other)),
        files=FilesSpec((CopyPath(tools, "Program Files\\Tools"), CopyPath(note, ""))),
        output=replace(recipe.output, size=2 * GIB),
        # Issue 16 items 4 and 5 ride on this build: read back below.
        network=replace(recipe.network, vlan=7, ipv6="2001:db8::10", winrm_https=True),
    )
    answers = root / "mine.xml"
    answers.write_text(
        '<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings pass="specialize">'
        '<component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64">'
        "<RegisteredOwner>Ann</RegisteredOwner></component></settings></unattend>"
    )
    blob = root / "nano-test.djoin"  # as djoin /savefile writes it: UTF-16 base64 text
    write_blob(blob, recipe.system.computer_name)
    recipe = replace(recipe, system=replace(recipe.system, unattend=answers, domain_blob=blob))
    (root / "out").mkdir()
    outcome = build(recipe)
    assert outcome.status.value == "succeeded", outcome
    raw = to_raw(recipe.output.path, "vhdx", root / "d.raw")
    volume = extract_partition(raw, read_gpt(raw).partitions[2], root / "windows.img")
    return recipe, volume


def test_updates_are_staged_in_order_and_installed_after_the_packages(
    built: tuple[Recipe, Path],
) -> None:
    _, volume = built
    assert sorted(ntfs_ls(volume, "/NanoStudio/Updates")) == [
        "01-Windows10.0-KB4132216-x64.cab",
        "02-Windows10.0-KB4284880-x64.cab",
        "03-Windows10.0-KB9-x64.cab",
    ]
    script = ntfs_cat(volume, "/Windows/Setup/Scripts/SetupComplete.cmd").decode()
    lines = script.splitlines()
    adds = [n for n, line in enumerate(lines) if "dism /online /add-package" in line]
    updates = [n for n, line in enumerate(lines) if "NanoStudio\\Updates\\" in line]
    packages = [n for n, line in enumerate(lines) if "NanoStudio\\Packages\\" in line]
    drivers = next(n for n, line in enumerate(lines) if "pnputil /add-driver" in line)
    assert len(updates) == 3 and set(updates) <= set(adds)
    assert max(packages) < min(updates) and max(updates) < drivers
    assert "01-Windows10.0-KB4132216-x64.cab" in lines[updates[0]]
    assert (
        "install update Windows10.0-KB4132216-x64.cab from windows10.0-kb4132216-x64.msu "
        "^(servicing stack update^)" in script
    )  # cmd's echo escapes
    # WSUSSCAN.cab is metadata: never staged.
    assert not any("WSUSSCAN" in name for name in ntfs_ls(volume, "/NanoStudio/Updates"))


def test_copies_are_in_the_image(built: tuple[Recipe, Path]) -> None:
    _, volume = built
    assert ntfs_cat(volume, "/Program Files/Tools/tools/bin/tool.exe") == b"MZ tool"
    assert ntfs_cat(volume, "/Program Files/Tools/tools/readme.txt") == b"read me"
    assert ntfs_cat(volume, "/note.txt") == b"a note"


def test_the_plan_says_updates_go_in_at_first_boot(
    built: tuple[Recipe, Path], sample_media: SampleMedia
) -> None:
    recipe, _ = built
    assert recipe.source.media is not None
    plan = make_plan(recipe, inspect_media(recipe.source.media), EngineName.PORTABLE, dry_run=True)
    notes = "\n".join(plan.notes)
    assert "updates installed at FIRST BOOT, not in the image" in notes
    assert "servicing stack updates go in first" in notes
    assert "into C:\\Program Files\\Tools\\" in notes


def test_a_copy_refused_after_the_check_stops_the_build_before_any_work(
    tmp_path: Path, sample_media: SampleMedia
) -> None:
    assert sample_media.iso is not None
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    recipe = replace(
        Recipe(),
        source=replace(Recipe().source, media=sample_media.iso),
        files=FilesSpec((CopyPath(link, "x"),)),
        packages=PackagesSpec(),
    )
    from nanostudio.engine.content.staging import copy_sources

    with pytest.raises(RecipeError, match="is a link"):
        copy_sources(recipe)


def test_network_and_winrm_https_are_in_the_image(
    built: tuple[Recipe, Path], session_home: Path
) -> None:
    """The PFX, read back with ntfs-3g's tools, opens with the password file beside it,
    holds the certificate whose SHA-256 the build pinned, and SetupComplete.cmd sets the
    VLAN and IPv6 address after the drivers and deletes the PFX after importing it."""
    recipe, volume = built
    folder = "/Windows/Setup/Scripts"
    pfx = ntfs_cat(volume, f"{folder}/NanoStudio-WinRM.pfx")
    password = ntfs_cat(volume, f"{folder}/NanoStudio-WinRM.pfx.txt")
    thumbprint = ntfs_cat(volume, f"{folder}/NanoStudio-WinRM.thumbprint.txt").decode()
    _, certificate, _ = pkcs12.load_key_and_certificates(pfx, password)
    assert certificate is not None
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert hashlib.sha1(der).hexdigest().upper() == thumbprint
    sha256 = hashlib.sha256(der).hexdigest()
    for host in (recipe.system.computer_name, str(recipe.network.ipv4).split("/")[0]):
        # Pinned by the build, in the home the build ran with.
        assert PinStore(session_home / "config" / PINS_FILE).get(host, 5986) == sha256
    script = ntfs_cat(volume, f"{folder}/SetupComplete.cmd").decode()
    assert password.decode() not in script
    drivers = script.index("pnputil /add-driver")
    assert drivers < script.index("Set-NetAdapter -VlanID 7")
    assert drivers < script.index("netsh interface ipv6 set address")
    assert script.index("certoc.exe -ImportPFX") < script.index('NanoStudio-WinRM.pfx" >> ')


def test_the_users_answer_file_is_merged_into_panther(built: tuple[Recipe, Path]) -> None:
    recipe, volume = built
    text = ntfs_cat(volume, "/Windows/Panther/unattend.xml").decode()
    root = ET.fromstring(text)
    ns = "{urn:schemas-microsoft-com:unattend}"
    specialize = next(s for s in root if s.get("pass") == "specialize")
    shell = specialize.find(f"{ns}component")
    assert shell is not None
    assert shell.findtext(f"{ns}ComputerName") == "NANO-TEST"  # NanoStudio's, kept
    assert shell.findtext(f"{ns}RegisteredOwner") == "Ann"  # the user's, added
    join = specialize.find(
        f"{ns}component[@name='Microsoft-Windows-UnattendedJoin']/{ns}Identification/"
        f"{ns}Provisioning/{ns}AccountData"
    )
    assert join is not None
    assert join.text == blob_text(recipe.system.computer_name)
