"""build.py's pure parts: size report, checks, smoke-output verdict, checksums, commands."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from installer import build
from installer.build import BuildError, SizeReport, SmokeRun


def _tree(root: Path, files: dict[str, int]) -> None:
    for name, size in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)


def test_measure_counts_files_not_symlinks(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.bin": 3000, "_internal/b.so": 1000, "_internal/c/d.txt": 5})
    (tmp_path / "_internal" / "b.so.1").symlink_to("b.so")
    report = build.measure(tmp_path, top=2)
    assert report == SizeReport(4005, 3, (("a.bin", 3000), ("_internal/b.so", 1000)))


def test_size_report_compares_with_the_target() -> None:
    report = SizeReport(151_200_000, 2, (("big.so", 151_000_000), ("x", 200_000)))
    text = build.format_size_report(report, 150)
    assert text.splitlines()[0] == "bundle: 151.2 MB unpacked in 2 files (OVER the 150 MB target)"
    assert "151.0 MB  big.so" in text
    assert "(within the 200 MB target)" in build.format_size_report(report, 200)


@pytest.mark.parametrize("windows", [False, True])
def test_expected_files_name_both_executables_and_platform_plugins(windows: bool) -> None:
    names = build.expected_files("NanoStudio", windows)
    suffix = ".exe" if windows else ""
    assert f"NanoStudio{suffix}" in names
    assert f"NanoStudio-debug{suffix}" in names
    assert any("platforms/" in name and "offscreen" in name for name in names)
    assert any("platforms/" in name and ("windows" if windows else "xcb") in name for name in names)
    assert "_internal/resources/icons/nanostudio.svg" in names


def test_missing_files(tmp_path: Path) -> None:
    _tree(tmp_path, {"NanoStudio": 1, "_internal/base_library.zip": 1})
    expected = ["NanoStudio", "NanoStudio-debug", "_internal/base_library.zip"]
    assert build.missing_files(tmp_path, expected) == ["NanoStudio-debug"]


def test_leaked_packages_in_files_or_frozen_modules() -> None:
    forbidden = {"pytest", "_pytest", "mypy", "tests"}
    files = ["_internal/PySide6/QtCore.abi3.so", "_internal/mypy/api.so", "_internal/tests.txt"]
    modules = ["nanostudio.cli.main", "_pytest.config", "tests_helper", "pytestish"]
    assert build.leaked_packages(files, modules, forbidden) == ["_pytest", "mypy"]
    assert build.leaked_packages(["_internal/PySide6/x"], ["nanostudio"], forbidden) == []


def test_clean_smoke_run_has_no_problems() -> None:
    run = SmokeRun("offscreen", 0, "smoke test passed: 6 pages, console opened and closed\n", "")
    assert build.smoke_problems(run) == []


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr", "expected"),
    [
        (3, "", "", ["x: exit code 3"]),
        (
            0,
            "",
            "QWidget::setLayout: Attempting to set QLayout\n",
            ["x: stderr: QWidget::setLayout"],
        ),
        (0, "", "\n  \n", []),
        (0, "qt.qpa.plugin: Could not load the Qt platform plugin\n", "", ["x: stdout: qt.qpa"]),
        (0, "Traceback (most recent call last):\n", "", ["x: stdout: Traceback"]),
        (0, "WARNING nanostudio.gui: page failed\n", "", ["x: stdout: WARNING"]),
        (0, "QObject::connect: No such signal\n", "", ["x: stdout: QObject::connect"]),
        (0, "[PYI-1234:ERROR] Failed to load Python shared library\n", "", ["x: stdout: [PYI"]),
        (0, "ModuleNotFoundError: No module named 'x'\n", "", ["x: stdout: ModuleNotFound"]),
        (0, "pages built: welcome, source, errors shown: 0\n", "", []),
    ],
)
def test_smoke_problems(returncode: int, stdout: str, stderr: str, expected: list[str]) -> None:
    problems = build.smoke_problems(SmokeRun("x", returncode, stdout, stderr))
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start)


def test_sha256sums_verify_with_coreutils(tmp_path: Path) -> None:
    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        pytest.skip("sha256sum (coreutils) not installed")
    _tree(tmp_path, {"NanoStudio/NanoStudio": 10, "NanoStudio/_internal/a b.so": 7, "setup.exe": 3})
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    out = tmp_path / "SHA256SUMS"
    build.write_sha256sums(tmp_path, files, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == [
        "NanoStudio/NanoStudio",
        "NanoStudio/_internal/a b.so",
        "setup.exe",
    ]
    ok = subprocess.run(
        [sha256sum, "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "setup.exe").write_bytes(b"tampered")
    bad = subprocess.run(
        [sha256sum, "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert "setup.exe: FAILED" in bad.stdout


def test_signtool_command_names_the_certificate_not_a_secret() -> None:
    command = build.signtool_command("signtool", "ABCD", "http://ts.invalid", ["a.exe", "b.exe"])
    assert command == [
        "signtool", "sign", "/sha1", "ABCD", "/fd", "SHA256",
        "/tr", "http://ts.invalid", "/td", "SHA256", "a.exe", "b.exe",
    ]  # fmt: skip
    assert "/p" not in command
    assert build.signtool_command("s", "AB", None, ["a.exe"]) == [
        "s", "sign", "/sha1", "AB", "/fd", "SHA256", "a.exe",
    ]  # fmt: skip


def test_iscc_command_passes_version_paths_and_sign_tool(tmp_path: Path) -> None:
    command = build.iscc_command(
        "ISCC.exe",
        version="1.2.3rc1",
        source_dir=tmp_path / "NanoStudio",
        output_dir=tmp_path,
        icon=tmp_path / "NanoStudio.ico",
        sign_command="$qC:\\Kits\\signtool.exe$q sign /sha1 AB /fd SHA256",
    )
    assert command[0] == "ISCC.exe"
    assert command[-1] == str(build.ISS)
    assert "/DAppVersion=1.2.3rc1" in command
    assert "/DNumericVersion=1.2.3.0" in command
    assert f"/DBundleDir={tmp_path / 'NanoStudio'}" in command
    assert "/DSignInstaller" in command
    assert "/Snanostudio=$qC:\\Kits\\signtool.exe$q sign /sha1 AB /fd SHA256 $f" in command
    unsigned = build.iscc_command(
        "ISCC.exe", version="1.0", source_dir=tmp_path, output_dir=tmp_path, icon=tmp_path,
        sign_command=None,
    )  # fmt: skip
    assert not any(arg.startswith(("/S", "/DSignInstaller")) for arg in unsigned)


def test_signing_from_env() -> None:
    assert build.signing_from_env({}, windows=True) is None
    assert build.signing_from_env({"NANOSTUDIO_SIGN_CERT_SHA1": " "}, windows=False) is None
    with pytest.raises(BuildError, match="needs Windows"):
        build.signing_from_env({"NANOSTUDIO_SIGN_CERT_SHA1": "AB"}, windows=False)
    signing = build.signing_from_env(
        {"NANOSTUDIO_SIGN_CERT_SHA1": "AB", "NANOSTUDIO_SIGNTOOL": r"C:\Kits\signtool.exe"},
        windows=True,
    )
    assert signing == build.Signing(r"C:\Kits\signtool.exe", "AB", None)


def test_parse_args_defaults_and_dist(tmp_path: Path) -> None:
    options = build.parse_args([])
    assert options.dist == build.ROOT / "dist"
    assert options.work == build.ROOT / "dist" / "work"
    assert not options.skip_installer
    custom = build.parse_args(["--skip-installer", "--dist", str(tmp_path)])
    assert (custom.dist, custom.work, custom.skip_installer) == (tmp_path, tmp_path / "work", True)


def test_pyinstaller_command_uses_the_spec(tmp_path: Path) -> None:
    command = build.pyinstaller_command("py", tmp_path / "d", tmp_path / "w")
    assert command[:3] == ["py", "-m", "PyInstaller"]
    assert command[-1] == str(build.SPEC)
    assert command[command.index("--distpath") + 1] == str(tmp_path / "d")


def test_version_problems() -> None:
    good = SmokeRun("version", 0, "NanoStudio 0.1.0\n", "")
    assert build.version_problems(good, "NanoStudio 0.1.0") == []
    wrong = SmokeRun("version", 0, "NanoStudio 0.0.9\n", "")
    assert build.version_problems(wrong, "NanoStudio 0.1.0") == [
        "version: printed 'NanoStudio 0.0.9', expected 'NanoStudio 0.1.0'"
    ]
    crashed = SmokeRun("version", 1, "", "ImportError: x\n")
    assert len(build.version_problems(crashed, "NanoStudio 0.1.0")) == 3
