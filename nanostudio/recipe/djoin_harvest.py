"""Harvest an offline domain-join blob on a domain-joined Windows host with djoin.

``djoin /provision /domain D /machine NAME /savefile F [/reuse]`` creates (or, with
``/reuse``, resets) the computer account NAME$ in D and writes its blob (Microsoft,
"Djoin" command reference: /reuse "specifies the reuse of any existing computer
account. The password for the computer account will be reset"). It is what
New-NanoServerImage does for ``-DomainName`` (``-ReuseDomainNode`` adds /reuse).

Safety: D and NAME are checked strictly (a DNS or NetBIOS domain name; a computer
name) so neither can become an option or a path; djoin is taken from System32, never
found through PATH; it runs without a shell, with no stdin and a scrubbed environment,
and writes into a fresh owner-only folder that is removed afterwards. The blob is read
back (``domain_blob``), its machine name checked, and only then stored (mode 0600 where
POSIX modes apply; on Windows it takes the folder's ACL, which the CLI says): it
holds the account's password, so neither it nor djoin's whole output is logged.

djoin's messages (the success lines as Windows prints them, quoted in the
commial/LiveDiffAD djoin example: "Provisioning the computer... / Successfully
provisioned [NAME] in the domain [D]. / Provisioning data was saved successfully to
[F]. / ... / The operation completed successfully.") are not parsed: its exit code
decides, and on failure the last line it printed is shown with a hint for the two
usual codes, 0x8b0 (NERR_UserExists, lmerr.h: the account exists: use /reuse) and 0x5
(ERROR_ACCESS_DENIED). **Unverified on real Windows**: tested through a fake djoin.exe
replaying those transcripts (tests/support/windows_fakes/fake_djoin.py).
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nanostudio.errors import UserFacingError
from nanostudio.identity import computer_name_problem
from nanostudio.recipe.domain_blob import DomainBlobError, load_domain_blob, netbios_equal
from nanostudio.recipe.odj import ProvisionedJoin
from nanostudio.remote.paths import write_private_bytes
from nanostudio.text import printable

TIMEOUT_S = 180.0  # DC location and account creation; djoin usually takes seconds
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_MAX_DNS_NAME = 253
# The variables a Windows program needs to find itself and its DLLs; nothing else of
# the caller's environment (no PYTHON*, no proxy or credential variables) reaches it.
_KEPT_VARIABLES = ("SYSTEMROOT", "WINDIR", "SYSTEMDRIVE")
_HINTS = {
    "0x8b0": "a computer account with this name already exists in the domain: reuse it "
    "(--reuse, or the wizard's Reuse box) to reset its password and use it",
    "0x5": "access denied: your account may not create computer accounts in this domain "
    "(ask for the right, or run as a user who has it)",
}


class DjoinError(UserFacingError):
    """djoin could not make a usable blob; the message never holds the blob."""

    exit_code = 1


@dataclass(frozen=True)
class Harvest:
    path: Path  # where the blob was stored
    join: ProvisionedJoin


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def domain_problem(domain: str) -> str | None:
    """Why ``domain`` cannot be given to djoin /domain, or None."""
    if not domain:
        return "enter the domain to join, like corp.example.com"
    if len(domain) > _MAX_DNS_NAME or not _DNS_NAME.fullmatch(domain):
        return (
            f"{printable(domain)!r} is not a domain name: use letters, digits, hyphens and "
            "dots, like corp.example.com or CORP"
        )
    return None


def djoin_argv(djoin: str, domain: str, machine: str, savefile: Path, reuse: bool) -> list[str]:
    """The command line (checked values only; see ``harvest_blob``)."""
    argv = [djoin, "/provision", "/domain", domain, "/machine", machine]
    argv += ["/savefile", str(savefile)]
    return [*argv, "/reuse"] if reuse else argv


def system_djoin() -> str:
    """djoin.exe in System32: never looked up through PATH or the current folder."""
    if sys.platform != "win32":
        raise DjoinError(
            "djoin runs only on Windows: harvest the blob on a domain-joined Windows "
            "machine (nanostudio recipe djoin there, or djoin /provision) and choose the file"
        )
    root = os.environ.get("SYSTEMROOT") or r"C:\Windows"
    path = Path(root) / "System32" / "djoin.exe"
    if not path.is_file():
        raise DjoinError(f"{path} is missing: djoin ships with Windows 7 / Server 2008 R2 on")
    return str(path)


def scrubbed_environment(work: Path, source: dict[str, str] | None = None) -> dict[str, str]:
    """Only what Windows programs need; TEMP and TMP point into the private folder."""
    env = dict(os.environ if source is None else source)
    kept = {name: env[name] for name in env if name.upper() in _KEPT_VARIABLES}
    system_root = next((v for k, v in kept.items() if k.upper() == "SYSTEMROOT"), None)
    if system_root:
        kept["PATH"] = str(Path(system_root) / "System32")
    return kept | {"TEMP": str(work), "TMP": str(work)}


def harvest_blob(
    domain: str,
    machine: str,
    dest: Path,
    *,
    reuse: bool = False,
    djoin: str | None = None,
    run: Runner = subprocess.run,
) -> Harvest:
    """Provision ``machine`` in ``domain`` with djoin and store its blob at ``dest``."""
    for problem in (domain_problem(domain), computer_name_problem(machine), _dest_problem(dest)):
        if problem is not None:
            raise UserFacingError(problem)
    program = djoin or system_djoin()
    work = Path(tempfile.mkdtemp(prefix="nanostudio-djoin-"))  # 0700, a new name
    try:
        savefile = work / "blob.txt"
        argv: Sequence[str] = djoin_argv(program, domain, machine, savefile, reuse)
        try:
            done = run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                env=scrubbed_environment(work),
                cwd=work,
                timeout=TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise DjoinError(f"cannot run {program}: it is missing") from None
        except subprocess.TimeoutExpired:
            raise DjoinError(
                f"djoin did not finish within {TIMEOUT_S:.0f} s: is a domain controller "
                f"of {domain} reachable from here?"
            ) from None
        if done.returncode != 0:
            raise DjoinError(_failure(done.stdout + "\n" + done.stderr, done.returncode))
        try:
            blob = load_domain_blob(savefile)
        except DomainBlobError as error:
            raise DjoinError(f"djoin reported success but its file is unusable: {error}") from None
        if not netbios_equal(blob.join.machine_name, machine):
            raise DjoinError(
                f"djoin wrote a blob for {blob.join.machine_name!r}, not {machine!r}: "
                "nothing was stored"
            )
        try:
            write_private_bytes(dest, savefile.read_bytes())
        except OSError as error:
            raise DjoinError(
                f"cannot store the blob in {dest}: {error.strerror or error} (the computer "
                "account was provisioned: harvest again with --reuse to another place)"
            ) from None
        return Harvest(dest, blob.join)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _dest_problem(dest: Path) -> str | None:
    """Only an older blob is replaced: a recipe's system.domain_blob may name any file
    (the recipe itself, a script), and a harvest must not swap it for a blob. Checked
    before djoin runs, so no account is provisioned for nothing."""
    if not (dest.exists() or dest.is_symlink()):
        return None
    try:
        load_domain_blob(dest)
    except DomainBlobError:
        return (
            f"{dest} exists and is not a djoin blob: NanoStudio replaces only an older blob "
            "there; move that file, or choose another place for the blob"
        )
    return None


def _failure(output: str, code: int) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    last = printable(lines[-1])[:300] if lines else f"exit code {code}"
    for error, hint in _HINTS.items():
        if re.search(rf"\b{error}\b", output, re.IGNORECASE):
            return f"djoin failed ({error}): {last} ({hint})"
    return f"djoin failed: {last}"


def joined_domain() -> str | None:
    """The domain this Windows host is a member of, or None (not Windows, a workgroup).

    NetGetJoinInformation (netapi32; learn.microsoft.com lmjoin.h): status 3 is
    NetSetupDomainName. **Unverified on real Windows** (tests replace this function).
    """
    if sys.platform != "win32":
        return None
    try:
        netapi = ctypes.WinDLL("netapi32")  # type: ignore[attr-defined,unused-ignore]
    except OSError:
        return None
    name = ctypes.c_wchar_p()
    status = ctypes.c_int()
    if netapi.NetGetJoinInformation(None, ctypes.byref(name), ctypes.byref(status)) != 0:
        return None
    try:
        return name.value if status.value == 3 and name.value else None
    finally:
        netapi.NetApiBufferFree(name)
