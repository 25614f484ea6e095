"""One command from source to installer: ``python installer/build.py [--skip-installer]``.

Steps: PyInstaller with ``installer/nanostudio.spec`` → optional code signing of
the executables → checks on the bundle (expected files, size against the
target, no test or dev packages) → the frozen app's ``--smoke-test`` (offscreen,
and under Xvfb when present, on Linux) → Inno Setup on Windows → SHA256SUMS.
Every step fails the build loudly; a half-checked bundle is never called done.

Signing is asked for by naming a certificate in the Windows certificate store:
``NANOSTUDIO_SIGN_CERT_SHA1`` (its thumbprint), optionally
``NANOSTUDIO_SIGN_TIMESTAMP_URL`` and ``NANOSTUDIO_SIGNTOOL`` (path to signtool.exe).
No secret ever goes on a command line.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the checkout importable
    sys.path.insert(0, str(ROOT))

from installer import freeze_plan  # noqa: E402
from installer.versionres import version_tuple  # noqa: E402
from nanostudio import APP_NAME, __version__  # noqa: E402

SPEC = ROOT / "installer" / "nanostudio.spec"
ISS = ROOT / "installer" / "nanostudio.iss"
SIZE_TARGET_MB = 110
SMOKE_TIMEOUT_S = 180
ERROR_ELEVATION_REQUIRED = 740  # Windows: CreateProcess on a requireAdministrator exe

# Lines that mean trouble even on stdout: Qt's "Class::method: ..." warnings,
# qt.* logging categories, Python tracebacks and logging levels, bootloader errors.
_PROBLEM_LINE = re.compile(
    r"^(Traceback |\w+(::\w+)+:|qt\.[\w.]+:|(WARNING|ERROR|CRITICAL)\b|\[PYI-\d+:ERROR\])"
    r"|(Warning|Error|Exception):|Failed to execute script",
)


class BuildError(Exception):
    """A step failed; the message says which and why."""


@dataclass(frozen=True)
class SizeReport:
    total_bytes: int
    file_count: int
    largest: tuple[tuple[str, int], ...]

    @property
    def total_mb(self) -> float:
        return self.total_bytes / 1_000_000


@dataclass(frozen=True)
class SmokeRun:
    label: str
    returncode: int
    stdout: str
    stderr: str


def bundle_files(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` (symlinks are the bundle's aliases, not content)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def measure(root: Path, top: int = 10) -> SizeReport:
    sizes = [
        (path.relative_to(root).as_posix(), path.stat().st_size) for path in bundle_files(root)
    ]
    largest = tuple(sorted(sizes, key=lambda item: (-item[1], item[0]))[:top])
    return SizeReport(sum(size for _name, size in sizes), len(sizes), largest)


def format_size_report(report: SizeReport, target_mb: float) -> str:
    verdict = "within" if report.total_mb <= target_mb else "OVER"
    lines = [
        f"bundle: {report.total_mb:.1f} MB unpacked in {report.file_count} files "
        f"({verdict} the {target_mb:g} MB target)",
        "largest files:",
    ]
    lines += [f"  {size / 1_000_000:8.1f} MB  {name}" for name, size in report.largest]
    return "\n".join(lines)


def exe_name(stem: str, windows: bool) -> str:
    return f"{stem}.exe" if windows else stem


def expected_files(app_name: str, windows: bool) -> tuple[str, ...]:
    """Paths (relative to the bundle) without which the frozen app cannot work."""
    plugins = "_internal/PySide6/plugins" if windows else "_internal/PySide6/Qt/plugins"
    if windows:
        platform_plugins = ("platforms/qwindows.dll", "platforms/qoffscreen.dll")
        image_plugins = ("imageformats/qsvg.dll", "iconengines/qsvgicon.dll")
    else:
        platform_plugins = ("platforms/libqxcb.so", "platforms/libqoffscreen.so")
        image_plugins = ("imageformats/libqsvg.so", "iconengines/libqsvgicon.so")
    return (
        exe_name(app_name, windows),
        exe_name(f"{app_name}-debug", windows),
        "_internal/base_library.zip",
        f"_internal/{freeze_plan.APP_ICON_SVG}",
        *(f"{plugins}/{name}" for name in (*platform_plugins, *image_plugins)),
    )


def missing_files(root: Path, expected: Iterable[str]) -> list[str]:
    return [name for name in expected if not (root / name).is_file()]


def leaked_packages(
    file_names: Iterable[str], module_names: Iterable[str], forbidden: Iterable[str]
) -> list[str]:
    """Forbidden top-level packages found as bundle folders or frozen modules."""
    banned = set(forbidden)
    found: set[str] = set()
    for name in file_names:
        parts = name.split("/")
        if len(parts) > 2 and parts[0] == "_internal" and parts[1] in banned:
            found.add(parts[1])
    for module in module_names:
        top = module.split(".")[0]
        if top in banned:
            found.add(top)
    return sorted(found)


def frozen_module_names(exe: Path) -> list[str]:
    """Module names in the executable's embedded PYZ archive, read by PyInstaller itself."""
    from PyInstaller.archive.readers import CArchiveReader

    package = CArchiveReader(str(exe))
    archive = package.open_embedded_archive("PYZ.pyz")
    return sorted(str(name) for name in archive.toc)


def smoke_problems(run: SmokeRun) -> list[str]:
    """Why a smoke run failed: a non-zero exit, anything on stderr, warnings on stdout."""
    problems: list[str] = []
    if run.returncode != 0:
        problems.append(f"{run.label}: exit code {run.returncode}")
    for line in run.stderr.splitlines():
        if line.strip():
            problems.append(f"{run.label}: stderr: {line.rstrip()}")
    for line in run.stdout.splitlines():
        if _PROBLEM_LINE.search(line.strip()):
            problems.append(f"{run.label}: stdout: {line.rstrip()}")
    return problems


def version_problems(run: SmokeRun, expected: str) -> list[str]:
    """The frozen CLI must report the package's own name and version."""
    problems = smoke_problems(run)
    if run.stdout.strip() != expected:
        problems.append(f"{run.label}: printed {run.stdout.strip()!r}, expected {expected!r}")
    return problems


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sha256sums(base: Path, files: Iterable[Path], out: Path) -> None:
    """``sha256sum -c``-compatible list, paths relative to ``base``, sorted."""
    rows = sorted((path.relative_to(base).as_posix(), sha256_of(path)) for path in files)
    text = "".join(f"{digest}  {name}\n" for name, digest in rows)
    out.write_text(text, encoding="utf-8", newline="\n")


def pyinstaller_command(python: str, dist: Path, work: Path) -> list[str]:
    return [
        python,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]


def signtool_command(
    signtool: str, thumbprint: str, timestamp_url: str | None, files: Sequence[str]
) -> list[str]:
    """signtool picks the certificate from the store by thumbprint: no password in argv."""
    command = [signtool, "sign", "/sha1", thumbprint, "/fd", "SHA256"]
    if timestamp_url:
        command += ["/tr", timestamp_url, "/td", "SHA256"]
    return [*command, *files]


def iscc_command(
    iscc: str,
    *,
    version: str,
    source_dir: Path,
    output_dir: Path,
    icon: Path,
    sign_command: str | None,
) -> list[str]:
    """ISCC with everything the .iss takes from the build passed as /D defines."""
    command = [
        iscc,
        f"/DAppVersion={version}",
        "/DNumericVersion={}.{}.{}.{}".format(*version_tuple(version)),
        f"/DBundleDir={source_dir}",
        f"/DOutputDir={output_dir}",
        f"/DIconFile={icon}",
    ]
    if sign_command is not None:
        # Inno Setup replaces $f with the file to sign; $q is a double quote.
        command += ["/DSignInstaller", f"/Snanostudio={sign_command} $f"]
    return [*command, str(ISS)]


def _quote_for_inno(argv: Sequence[str]) -> str:
    return " ".join(f"$q{arg}$q" if " " in arg else arg for arg in argv)


def _find_iscc() -> str:
    override = os.environ.get("NANOSTUDIO_ISCC")
    candidates = [override] if override else []
    candidates.append(shutil.which("iscc") or "")
    for variable in ("ProgramFiles(x86)", "ProgramFiles"):
        folder = os.environ.get(variable)
        if folder:
            candidates.append(str(Path(folder) / "Inno Setup 6" / "ISCC.exe"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise BuildError("Inno Setup 6 (ISCC.exe) not found: install it (choco install innosetup)")


@dataclass(frozen=True)
class Signing:
    signtool: str
    thumbprint: str
    timestamp_url: str | None

    def command(self, files: Sequence[str]) -> list[str]:
        return signtool_command(self.signtool, self.thumbprint, self.timestamp_url, files)


def signing_from_env(env: Mapping[str, str], windows: bool) -> Signing | None:
    thumbprint = env.get("NANOSTUDIO_SIGN_CERT_SHA1", "").strip()
    if not thumbprint:
        return None
    if not windows:
        raise BuildError("NANOSTUDIO_SIGN_CERT_SHA1 is set, but signing needs Windows signtool")
    signtool = env.get("NANOSTUDIO_SIGNTOOL") or shutil.which("signtool")
    if not signtool:
        raise BuildError(
            "signtool.exe not found: install the Windows SDK or set NANOSTUDIO_SIGNTOOL"
        )
    return Signing(signtool, thumbprint, env.get("NANOSTUDIO_SIGN_TIMESTAMP_URL") or None)


def _run(command: Sequence[str], step: str) -> None:
    print(f"$ {subprocess.list2cmdline(list(command))}", flush=True)
    result = subprocess.run(list(command), check=False)
    if result.returncode != 0:
        raise BuildError(f"{step} failed with exit code {result.returncode}")


def _smoke_once(label: str, command: list[str], env: Mapping[str, str]) -> SmokeRun:
    print(f"smoke test ({label}): {subprocess.list2cmdline(command)}", flush=True)
    try:
        result = subprocess.run(
            command,
            env=dict(env),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=SMOKE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BuildError(f"smoke test ({label}) still running after {SMOKE_TIMEOUT_S} s") from error
    for line in result.stdout.splitlines():
        print(f"  | {line}")
    return SmokeRun(label, result.returncode, result.stdout, result.stderr)


def smoke_runs(bundle: Path, windows: bool, home: Path) -> list[SmokeRun]:
    """``--version`` (the CLI path), then ``--smoke-test`` on each platform plugin usable here."""
    env = {**os.environ, "NANOSTUDIO_HOME": str(home)}
    env.pop("QT_QPA_PLATFORM", None)
    debug = str(bundle / exe_name(f"{APP_NAME}-debug", windows))
    runs = [_smoke_once("version", [debug, "--version"], env)]
    offscreen = {**env, "QT_QPA_PLATFORM": "offscreen"}
    runs.append(_smoke_once("offscreen", [debug, "--smoke-test"], offscreen))
    if windows:
        runs.append(_smoke_once("windows, console exe", [debug, "--smoke-test"], env))
        gui = str(bundle / exe_name(APP_NAME, windows))
        try:  # windowed: no console streams, so only its exit code tells
            runs.append(_smoke_once("windows, windowed exe", [gui, "--smoke-test"], env))
        except OSError as error:
            if getattr(error, "winerror", None) != ERROR_ELEVATION_REQUIRED:
                raise
            print("NOTE: NanoStudio.exe asks for elevation; run from an elevated prompt to test it")
        return runs
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run:
        runs.append(_smoke_once("xcb under Xvfb", [xvfb_run, "-a", debug, "--smoke-test"], env))
    else:
        print("NOTE: xvfb-run not found; the xcb platform plugin is not smoke-tested")
    return runs


@dataclass(frozen=True)
class Options:
    dist: Path
    work: Path
    skip_installer: bool


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description=f"Freeze {APP_NAME}, check and smoke-test it, build the Windows installer."
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument(
        "--work", type=Path, default=None, help="PyInstaller work folder (default: DIST/work)"
    )
    parser.add_argument(
        "--skip-installer", action="store_true", help="stop after the smoke test (no Inno Setup)"
    )
    args = parser.parse_args(argv)
    dist = Path(args.dist).resolve()
    work = Path(args.work).resolve() if args.work else dist / "work"
    return Options(dist=dist, work=work, skip_installer=bool(args.skip_installer))


def check_bundle(bundle: Path, windows: bool) -> SizeReport:
    missing = missing_files(bundle, expected_files(APP_NAME, windows))
    if missing:
        raise BuildError("bundle lacks: " + ", ".join(missing))
    names = [path.relative_to(bundle).as_posix() for path in bundle_files(bundle)]
    modules = frozen_module_names(bundle / exe_name(f"{APP_NAME}-debug", windows))
    leaked = leaked_packages(names, modules, freeze_plan.FORBIDDEN_IN_BUNDLE)
    if leaked:
        raise BuildError("test or development packages inside the bundle: " + ", ".join(leaked))
    report = measure(bundle)
    print(format_size_report(report, SIZE_TARGET_MB))
    if report.total_mb > SIZE_TARGET_MB:
        raise BuildError(f"bundle is {report.total_mb:.1f} MB, over the {SIZE_TARGET_MB} MB target")
    return report


def build(options: Options) -> list[Path]:
    """All steps; returns the artifacts listed in SHA256SUMS."""
    windows = sys.platform == "win32"
    signing = signing_from_env(os.environ, windows)
    bundle = options.dist / APP_NAME
    timings: list[tuple[str, float]] = []
    start = time.monotonic()

    def lap(step: str) -> None:
        nonlocal start
        now = time.monotonic()
        timings.append((step, now - start))
        start = now

    _run(pyinstaller_command(sys.executable, options.dist, options.work), "PyInstaller")
    lap("PyInstaller")
    if signing is not None:
        exes = [str(bundle / exe_name(stem, True)) for stem in (APP_NAME, f"{APP_NAME}-debug")]
        _run(signing.command(exes), "signing the executables")
        lap("signing")
    check_bundle(bundle, windows)
    lap("checks")
    with tempfile.TemporaryDirectory(prefix="nanostudio-smoke-") as home:
        version_run, *gui_runs = smoke_runs(bundle, windows, Path(home))
    problems = version_problems(version_run, f"{APP_NAME} {__version__}")
    problems += [problem for run in gui_runs for problem in smoke_problems(run)]
    if problems:
        raise BuildError("smoke test failed:\n  " + "\n  ".join(problems))
    lap("smoke test")
    artifacts = list(bundle_files(bundle))
    if windows and not options.skip_installer:
        sign = _quote_for_inno(signing.command([])) if signing is not None else None
        command = iscc_command(
            _find_iscc(),
            version=__version__,
            source_dir=bundle,
            output_dir=options.dist,
            icon=options.work / SPEC.stem / f"{APP_NAME}.ico",
            sign_command=sign,
        )
        _run(command, "Inno Setup")
        artifacts.append(options.dist / f"{APP_NAME}-{__version__}-setup.exe")
        lap("installer")
    elif not options.skip_installer:
        print("NOTE: the Inno Setup installer is built on Windows only")
    write_sha256sums(options.dist, artifacts, options.dist / "SHA256SUMS")
    lap("checksums")
    print("timings: " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in timings))
    return artifacts


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.monotonic()
    try:
        artifacts = build(options)
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    print(
        f"built {APP_NAME} {__version__}: {len(artifacts)} files listed in "
        f"{options.dist / 'SHA256SUMS'} ({time.monotonic() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
