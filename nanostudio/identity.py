"""Rules Windows applies to computer names and administrator passwords."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COMPUTER_NAME = 15  # NetBIOS limit; Setup truncates longer names silently.
_NAME_CHARS = re.compile(r"[A-Za-z0-9-]+")
MIN_PASSWORD_LENGTH = 8


def computer_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a Nano Server computer name, or None."""
    if not name:
        return "enter a computer name (1 to 15 letters, digits or hyphens)"
    if len(name) > MAX_COMPUTER_NAME:
        return (
            f"{name!r} has {len(name)} characters; Windows allows at most "
            f"{MAX_COMPUTER_NAME}: shorten it"
        )
    if not _NAME_CHARS.fullmatch(name):  # not match: its $ allows a trailing newline
        return "use only letters, digits and hyphens (no spaces, dots or symbols)"
    if name.isdigit():
        return "a computer name cannot be only digits: add a letter"
    if name.startswith("-") or name.endswith("-"):
        return "a computer name cannot start or end with a hyphen"
    return None


@dataclass(frozen=True)
class PasswordRule:
    label: str  # the checklist's line: what a good password is or has
    met: bool
    needed: str  # what the password lacks, after "it ": a whole sentence, unlike the label


def password_rules(password: str, account: str = "Administrator") -> list[PasswordRule]:
    """The Windows complexity rules, each with whether ``password`` meets it.

    Windows asks for a minimum length, three of four character kinds, and no
    account name inside the password.
    """
    kinds = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    return [
        PasswordRule(
            f"at least {MIN_PASSWORD_LENGTH} characters",
            len(password) >= MIN_PASSWORD_LENGTH,
            f"needs at least {MIN_PASSWORD_LENGTH} characters",
        ),
        PasswordRule(
            "three of: upper case, lower case, digit, symbol",
            kinds >= 3,
            "needs three of: upper case, lower case, digit, symbol",
        ),
        PasswordRule(
            f"does not contain the account name ({account})",
            account.lower() not in password.lower(),
            f"must not contain the account name ({account})",
        ),
    ]


def password_problem(password: str, account: str = "Administrator") -> str | None:
    """The first complexity rule ``password`` breaks, phrased as what to do."""
    if not password:
        return "enter an administrator password (Nano Server has no other way in)"
    for rule in password_rules(password, account):
        if not rule.met:
            return f"the password is too weak: it {rule.needed}"
    return None
