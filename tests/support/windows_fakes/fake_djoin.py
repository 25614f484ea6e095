"""FAKE djoin.exe for tests: ``/provision /domain D /machine NAME /savefile F [/reuse]``.

Replays what djoin prints (the success lines as quoted in commial/LiveDiffAD's djoin
example; the failure lines' wording is NanoStudio's reconstruction, with the real
codes: 0x8b0 NERR_UserExists when the account exists without /reuse, 0x5 access
denied) and writes a synthetic blob for NAME as djoin does: UTF-16LE base64 with a BOM.
Accounts that exist are the state file's "accounts"; FAIL rules
(``djoin|<substring>|denied`` or ``|wrong-name``) inject the other faults. Every call
is journalled with the names of the environment variables it received.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.support.odj_blob import write_blob
from tests.support.windows_fakes import fakecore

REPO = Path(__file__).parents[3]


class FakeDjoin:
    """An installed fake: a shell wrapper named djoin.exe, its journal and state."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.journal = root / "journal.jsonl"
        self.state = root / "machine"
        self.path = root / "djoin.exe"
        self.fail = ""
        root.mkdir()
        self.write()

    def write(self) -> None:
        """The wrapper carries its own settings: djoin is run with a scrubbed environment."""
        self.path.write_text(
            "#!/bin/sh\n# FAKE djoin.exe: runs tests/support/windows_fakes/fake_djoin.py\n"
            f"export PYTHONPATH='{REPO}' {fakecore.JOURNAL_ENV}='{self.journal}'\n"
            f"export {fakecore.STATE_ENV}='{self.state}' {fakecore.FAIL_ENV}='{self.fail}'\n"
            f'exec "{sys.executable}" -m tests.support.windows_fakes.fake_djoin "$@"\n'
        )
        self.path.chmod(0o755)

    def failing(self, rule: str) -> None:
        self.fail = rule
        self.write()

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.journal.read_text().splitlines()]


def main(argv: list[str]) -> int:
    lowered = [a.lower() for a in argv]
    fakecore.journal({"tool": "djoin", "argv": argv, "env": sorted(os.environ)})

    def value(option: str) -> str:
        return argv[lowered.index(option) + 1]

    if "/provision" not in lowered:
        fakecore.say("The parameter is incorrect.")
        return 87
    domain, machine, savefile = value("/domain"), value("/machine"), value("/savefile")
    fakecore.say("Provisioning the computer...")
    state = fakecore.load_state("djoin")
    accounts = {a.upper() for a in state.get("accounts", [])}
    injected = fakecore.failure("djoin", " ".join(argv))
    if injected == "denied":
        fakecore.say(f"Failed to provision [{machine}] in the domain [{domain}]: 0x5")
        fakecore.say("")
        fakecore.say("Computer provisioning failed: 0x5.")
        fakecore.say("Access is denied.")
        return 5
    if machine.upper() in accounts and "/reuse" not in lowered:
        fakecore.say(f"Failed to provision [{machine}] in the domain [{domain}]: 0x8b0")
        fakecore.say("")
        fakecore.say("Computer provisioning failed: 0x8b0.")
        fakecore.say("The account already exists.")
        return 2224
    written_for = "OTHER1" if injected == "wrong-name" else machine
    write_blob(Path(savefile), written_for, domain)
    fakecore.save_state("djoin", {"accounts": sorted(accounts | {machine.upper()})})
    fakecore.say(f"Successfully provisioned [{machine}] in the domain [{domain}].")
    fakecore.say(f"Provisioning data was saved successfully to [{savefile}].")
    fakecore.say("")
    fakecore.say("Computer provisioning completed successfully.")
    fakecore.say("The operation completed successfully.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
