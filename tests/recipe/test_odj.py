"""Issue 16 item 2: the djoin blob's machine name is read ([MS-RPCE] 2.2.6 NDR of the
ODJ IDL) and a blob made for another computer is refused in one line; a malformed blob
is one clean error, never a traceback, and the password is never shown."""

from __future__ import annotations

import base64
import contextlib
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanostudio.cli.main import main
from nanostudio.recipe import Recipe, SystemSpec, validate
from nanostudio.recipe.domain_blob import DomainBlobError, load_domain_blob, netbios_equal
from nanostudio.recipe.odj import (
    OdjFormatError,
    ProvisionedJoin,
    _read_win7_blob,
    read_provision_data,
)
from tests.support.odj_blob import (
    REAL_BLOB,
    provision_data,
    provision_data_of,
    win7_blob,
    write_blob,
)

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = "Zq9#unique-machine-password"


@pytest.fixture(scope="module")
def real_blob() -> bytes:
    if not REAL_BLOB.is_file():
        pytest.fail(f"{REAL_BLOB} is missing: run scripts/fetch-test-odj.sh (scripts/test does)")
    return REAL_BLOB.read_bytes()


def _problems(recipe: Recipe) -> list[str]:
    return [p.message for p in validate(recipe) if p.field == "system.domain_blob"]


def test_the_real_windows_blob_names_its_machine_and_domain(
    real_blob: bytes, tmp_path: Path
) -> None:
    # Made by Windows Server 2019's djoin for the machine "wurst2" (Samba's test vector).
    assert read_provision_data(real_blob) == ProvisionedJoin("wurst2", "w2k19dom.ber.redhat.com")
    path = tmp_path / "wurst2.txt"  # as djoin /savefile writes it: UTF-16LE, BOM, NUL
    path.write_bytes(("\ufeff" + base64.b64encode(real_blob).decode() + "\x00").encode("utf-16-le"))
    assert load_domain_blob(path).join.machine_name == "wurst2"
    assert _problems(Recipe(system=SystemSpec("WURST2", domain_blob=path))) == []
    [problem] = _problems(Recipe(system=SystemSpec("NANO1", domain_blob=path)))
    assert "made for the computer 'wurst2'" in problem and "djoin /machine NANO1" in problem


def _real_parts(real_blob: bytes) -> list[tuple[int, bytes]]:
    """The real blob's two parts: (1, ODJ_WIN7BLOB) and (2, OP_PACKAGE), as Windows wrote them."""
    fixed, at = [], 16 + 4 + 4 + 4 + 4 + 4
    for _ in range(2):
        fixed.append(struct.unpack_from("<III", real_blob, at)[:2])
        at += 12
    parts = []
    for form, size in fixed:
        at += -at % 4 + 4  # the array's count
        parts.append((form, real_blob[at : at + size]))
        at += size
    return parts


def test_the_windows_8_package_alone_is_read_through_its_join_provider_part(
    real_blob: bytes,
) -> None:
    parts = _real_parts(real_blob)
    assert [form for form, _ in parts] == [1, 2]
    only_package = provision_data_of([parts[1]])
    assert read_provision_data(only_package).machine_name == "wurst2"
    encrypted = bytearray(parts[1][1])
    encrypted[20] = 1  # EncryptionType is no longer GUID_NULL
    with pytest.raises(OdjFormatError, match="encrypted"):
        read_provision_data(provision_data_of([(2, bytes(encrypted))]))


@FUZZ
@given(st.data())
def test_fuzz_mutated_real_package(data: st.DataObject) -> None:
    if not REAL_BLOB.is_file():
        pytest.fail(f"{REAL_BLOB} is missing: run scripts/fetch-test-odj.sh")
    blob = bytearray(provision_data_of([_real_parts(REAL_BLOB.read_bytes())[1]]))
    for _ in range(data.draw(st.integers(1, 6))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(OdjFormatError):
        read_provision_data(bytes(blob))


def test_every_truncation_of_the_real_blob_is_one_clean_error(real_blob: bytes) -> None:
    for end in range(len(real_blob) - 1):
        with pytest.raises(OdjFormatError):
            read_provision_data(real_blob[:end])


def test_a_blob_for_another_computer_is_refused_without_its_password(tmp_path: Path) -> None:
    path = tmp_path / "other.djoin"
    path.write_bytes(
        base64.b64encode(provision_data("WEB7", "corp.example.com", SECRET)).decode().encode()
    )
    [problem] = _problems(Recipe(system=SystemSpec("NANO1", domain_blob=path)))
    assert "'WEB7'" in problem and "corp.example.com" in problem and SECRET not in problem
    assert SECRET not in repr(load_domain_blob(path))
    assert _problems(Recipe(system=SystemSpec("web7", domain_blob=path))) == []  # NetBIOS case


def test_netbios_names_compare_case_insensitively_and_never_past_15() -> None:
    assert netbios_equal("Nano-1", "NANO-1")
    assert not netbios_equal("NANO1", "NANO2")
    assert not netbios_equal("A" * 16, "A" * 16)


def _replace_u32(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + struct.pack("<I", value) + data[offset + 4 :]


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: b"\x02" + d[1:], "version 1"),
        (lambda d: d[:1] + b"\x00" + d[2:], "big-endian"),
        (lambda d: _replace_u32(d, 8, 0xFFFFFFF0), "longer than the data"),
        (lambda d: _replace_u32(d, 16, 0), "null top-level"),
        (lambda d: _replace_u32(d, 20, 2), "version 2"),
        (lambda d: _replace_u32(d, 24, 10**6), "parts"),
        (lambda d: _replace_u32(d, 32, 1), "count does not match"),
        (lambda d: _replace_u32(d, 36, 3), "no ODJ_WIN7BLOB"),
    ],
)
def test_malformed_headers_name_what_is_wrong(mutate: object, words: str) -> None:
    data = provision_data("NANO1")
    with pytest.raises(OdjFormatError, match=words):
        read_provision_data(mutate(data))  # type: ignore[operator]


def test_hostile_string_lengths_are_bounded() -> None:
    inner = bytearray(win7_blob("NANO1", "corp.example.com", "pw"))
    # The domain string's counts sit right after the 4 + 12 + 96 bytes of fixed part.
    at = 16 + 4 + 12 + 96
    assert struct.unpack_from("<I", inner, at)[0] == len("corp.example.com") + 1
    struct.pack_into("<III", inner, at, 0x7FFFFFFF, 0, 0x7FFFFFFF)
    with pytest.raises(OdjFormatError, match="out of bounds"):
        _read_win7_blob(bytes(inner))


@FUZZ
@given(st.binary(max_size=600))
def test_fuzz_random_bytes(data: bytes) -> None:
    with contextlib.suppress(OdjFormatError):
        read_provision_data(data)


@FUZZ
@given(st.data())
def test_fuzz_mutated_blobs(data: st.DataObject) -> None:
    blob = bytearray(provision_data("NANO1"))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    try:
        join = read_provision_data(bytes(blob[:cut]))
    except OdjFormatError:
        return
    assert isinstance(join.machine_name, str) and join.machine_name


def test_cli_check_refuses_a_blob_for_another_computer_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_blob(tmp_path / "b.djoin", "WEB7")
    path = tmp_path / "r.nanostudio.toml"
    path.write_text('[system]\ncomputer_name = "NANO1"\ndomain_blob = "b.djoin"\n')
    assert main(["recipe", "check", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("system.domain_blob")]
    assert len(lines) == 1 and "'WEB7'" in lines[0] and "Traceback" not in err


def test_build_refuses_a_blob_for_another_computer_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", "Passw0rd!")
    write_blob(tmp_path / "b.djoin", "WEB7")
    path = tmp_path / "r.nanostudio.toml"
    path.write_text(
        '[system]\ncomputer_name = "NANO1"\ndomain_blob = "b.djoin"\n[output]\npath = "out.vhdx"\n'
    )
    assert main(["build", str(path)]) == 2
    err = capsys.readouterr().err
    assert any(
        line.startswith("system.domain_blob") and "'WEB7'" in line for line in err.splitlines()
    )
    assert not (tmp_path / "out.vhdx").exists()


@FUZZ
@given(st.binary(max_size=400) | st.builds(lambda b: base64.b64encode(b), st.binary(max_size=300)))
def test_fuzz_blob_files(content: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.djoin"
        path.write_bytes(content)
        with contextlib.suppress(DomainBlobError):
            load_domain_blob(path)
