"""Argv builders and progress parsers, against output recorded from the real tools."""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.process import split_redraws
from nanostudio.engine.tools import fat, ntfs, wimlib

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def transcript(name: str) -> list[str]:
    return split_redraws((TRANSCRIPTS / name).read_text())


def test_apply_argv_targets_the_volume_file_with_refs() -> None:
    argv = wimlib.apply_argv(
        "wimlib-imagex", Path("/t/d.wim"), 1, Path("/t/w.img"), refs=[Path("/m/N.wim")]
    )
    assert argv == ["wimlib-imagex", "apply", "/t/d.wim", "1", "/t/w.img", "--ref=/m/N.wim"]


def test_extract_and_export_argv() -> None:
    assert wimlib.extract_argv("w", Path("/a.wim"), 2, ["/Windows/Boot"], Path("/d")) == [
        "w",
        "extract",
        "/a.wim",
        "2",
        "/Windows/Boot",
        "--dest-dir=/d",
        "--no-acls",
    ]
    assert wimlib.export_argv(
        "w", Path("/d.wim"), 1, Path("/o.wim.partial"), refs=[Path("/s")]
    ) == [
        "w",
        "export",
        "/d.wim",
        "1",
        "/o.wim.partial",
        "--ref=/s",
    ]


def test_apply_progress_from_recorded_output() -> None:
    lines = transcript("wimlib-apply.txt")
    fractions = [f for f in map(wimlib.parse_progress, lines) if f is not None]
    assert len(fractions) > 10
    assert fractions == sorted(fractions)
    assert 0 < fractions[0] < 0.1
    assert fractions[-1] == 1.0
    assert wimlib.parse_progress(lines[0]) is None  # "Applying image 1 ..."
    assert wimlib.parse_progress("Done applying WIM image.") is None


def test_export_and_extract_progress_from_recorded_output() -> None:
    for name in ("wimlib-export.txt", "wimlib-extract.txt"):
        fractions = [f for f in map(wimlib.parse_progress, transcript(name)) if f is not None]
        assert fractions and fractions[-1] == 1.0, name
    assert wimlib.parse_progress("Using LZX compression with 1 thread") is None


def test_progress_parser_uses_exact_counts_not_the_rounded_percent() -> None:
    line = "Extracting file data: 1 GiB of 3 GiB (33%) done"
    assert wimlib.parse_progress(line) == 1 / 3
    assert wimlib.parse_progress("Archiving file data: 0 KiB of 0 KiB (100%) done") == 1.0


def test_corrupt_wim_transcript_has_no_progress_past_the_error() -> None:
    lines = transcript("wimlib-apply-corrupt.txt")
    assert any("invalid compressed data" in line for line in lines)
    assert all(wimlib.parse_progress(line) is None for line in lines if "ERROR" in line)


def test_mkntfs_argv_gives_partition_start_and_geometry() -> None:
    argv = ntfs.mkntfs_argv("mkntfs", Path("/t/w.img"), start_sector=673792)
    assert argv == [
        "mkntfs", "-F", "-Q", "-s", "512", "-p", "673792", "-H", "255", "-S", "63",
        "-L", "Windows", "/t/w.img",
    ]  # fmt: skip
    assert any(ntfs.mkntfs_succeeded(line) for line in transcript("mkntfs.txt"))
    assert not ntfs.mkntfs_succeeded("Creating NTFS volume structures.")


def test_fat_argv() -> None:
    image = Path("/t/esp.img")
    assert fat.mkfs_argv("mkfs.fat", image, hidden_sectors=2048) == [
        "mkfs.fat", "-F", "32", "-s", "1", "-n", "SYSTEM", "-h", "2048", "/t/esp.img",
    ]  # fmt: skip
    assert fat.mmd_argv("mmd", image, ["EFI", "EFI\\Boot"]) == [
        "mmd", "-i", "/t/esp.img", "::/EFI", "::/EFI/Boot",
    ]  # fmt: skip
    assert fat.mcopy_argv("mcopy", image, [Path("/b/Fonts")], "EFI/Microsoft/Boot") == [
        "mcopy", "-i", "/t/esp.img", "-s", "-o", "-Q", "/b/Fonts", "::/EFI/Microsoft/Boot/",
    ]  # fmt: skip
    assert fat.mcopy_file_argv("mcopy", image, Path("/b/x.efi"), "/EFI/Boot/bootx64.efi") == [
        "mcopy", "-i", "/t/esp.img", "-o", "/b/x.efi", "::/EFI/Boot/bootx64.efi",
    ]  # fmt: skip
