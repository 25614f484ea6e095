from __future__ import annotations

import logging
from pathlib import Path, PureWindowsPath

import pytest

from nanostudio.identity import password_rules
from nanostudio.recipe import (
    DriversSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
)
from nanostudio.recipe.powershell import quote, to_new_nanoserverimage
from nanostudio.secret import MASK, RedactingFilter, Secret
from nanostudio.sizes import disk_size_text, format_size, human_size, parse_size, size_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8GiB", 8 * 1024**3),
        ("8 GB", 8 * 1024**3),
        ("4096MiB", 4 * 1024**3),
        ("1.5G", 1536 * 1024**2),
        (512, 512),
        ("8", 8 * 1024**3),
        ("1.5", 1536 * 1024**2),
        ("1GB", 1024**3),
        ("1GiB", 1024**3),
        ("512B", 512),
        ("512 bytes", 512),
    ],
)
def test_parse_size(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


def test_parse_size_is_exact_for_huge_numbers() -> None:
    assert parse_size("9" * 400 + ".5TiB") == int("9" * 400) * 1024**4 + 512 * 1024**3


@pytest.mark.parametrize("text", ["", "8 parsecs", "-1GB", "0", "GiB"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_format_and_human_size() -> None:
    assert format_size(8 * 1024**3) == "8GiB"
    assert format_size(300 * 1024**2) == "300MiB"
    assert format_size(1000) == "1000B"
    assert parse_size(format_size(1000)) == 1000
    assert parse_size(format_size(2 * 1024**3 + 512)) == 2 * 1024**3 + 512
    assert human_size(1.5 * 1024**3) == "1.5 GiB"
    assert human_size(210 * 1024**2) == "210 MiB"
    assert size_text(12_000_000) == "12 MB"
    assert size_text(1_500) == "1.5 KB"
    assert size_text(500) == "500 bytes"


def test_an_existing_disk_size_is_shown_as_typed_and_never_smaller() -> None:
    chs_rounded_8gib = 16644 * 16 * 63 * 512  # what a fixed VHD of 8GiB says it holds
    assert disk_size_text(chs_rounded_8gib) == "8GiB"
    assert disk_size_text(8 * 1024**3) == "8GiB"
    assert disk_size_text(3 * 1024**3 + 100 * 1024**2 + 1) == "3173MiB"
    assert disk_size_text(100 * 1024**2) == "100MiB"


def test_password_rules_report_each_rule() -> None:
    rules = password_rules("abcdefgh")
    assert [r.met for r in rules] == [True, False, True]
    assert all(r.met for r in password_rules("Nano-Pa55word!"))


def test_powershell_quotes_and_parameters() -> None:
    assert quote("it's") == "'it''s'"
    recipe = Recipe(
        source=SourceSpec(media=Path("/media/NanoServer/NanoServer.wim")),
        packages=PackagesSpec(names=("Compute", "DNS", "FailoverCluster")),
        drivers=DriversSpec(folders=(Path("/drivers/e1000"),)),
        network=NetworkSpec(ipv4="192.168.56.10/24", dns=("192.168.56.1",)),
    )
    command = to_new_nanoserverimage(recipe)
    assert command.startswith("New-NanoServerImage -MediaPath '\\media' `")
    assert "-Compute" in command and "-Clustering" in command
    assert "-Package 'Microsoft-NanoServer-DNS-Package'" in command
    assert "-Ipv4SubnetMask '255.255.255.0'" in command
    assert "-DriverPath '\\drivers\\e1000'" in command
    assert "-EnableRemoteManagementPort" in command
    assert "Read-Host -AsSecureString" in command
    assert "-OEMDrivers" not in command


def test_powershell_names_dependencies_the_module_would_not_add() -> None:
    command = to_new_nanoserverimage(Recipe(packages=PackagesSpec(names=("NPDS",))))
    assert "-Defender" in command
    assert "-Package 'Microsoft-NanoServer-NPDS-Package'" in command


def test_redacting_filter_masks_the_message_and_the_traceback() -> None:
    secret = Secret("Hunter2!pw")
    try:
        raise RuntimeError(f"tool failed: /password:{secret.reveal()}")
    except RuntimeError as error:
        record = logging.LogRecord(
            "nanostudio.t",
            logging.ERROR,
            __file__,
            1,
            "argv %s",
            ("x /p:Hunter2!pw",),
            (type(error), error, error.__traceback__),
        )
    assert RedactingFilter(secret).filter(record)
    text = logging.Formatter().format(record)
    assert "Hunter2!pw" not in text
    assert f"x /p:{MASK}" in text and f"/password:{MASK}" in text


def test_powershell_makes_a_relative_path_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    recipe = Recipe(
        source=SourceSpec(media=Path("media/x.iso")), output=OutputSpec(path=Path("n.vhdx"))
    )
    command = to_new_nanoserverimage(recipe)
    assert f"-ImagePath '{PureWindowsPath(str(tmp_path / 'media' / 'x.iso'))}'" in command
    assert f"-TargetPath '{PureWindowsPath(str(tmp_path / 'n.vhdx'))}'" in command


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1!", "the password is too weak: it needs at least 8 characters"),
        (
            "abcdefgh",
            "the password is too weak: it needs three of: upper case, lower case, digit, symbol",
        ),
        (
            "Administrator-1",
            "the password is too weak: it must not contain the account name (Administrator)",
        ),
    ],
)
def test_password_problems_are_sentences(password: str, expected: str) -> None:
    from nanostudio.identity import password_problem

    assert password_problem(password) == expected
