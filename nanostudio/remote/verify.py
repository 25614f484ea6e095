"""``nanostudio verify``'s checks: what the recipe asked for, read back over WinRM.

Each check is one command on the VM (WinRS, through cmd.exe) and a pure judge of its
output, so the judges are tested from recorded output and the whole against the
loopback server. The report is JUnit XML, one test case per check.
"""

from __future__ import annotations

import ipaddress
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nanostudio.catalogue import with_dependencies
from nanostudio.engine.content.setupcomplete import (
    FAILURES_LOG_PATH,
    LOG_PATH,
    WINRM_PORT,
    WINRM_RULE,
)
from nanostudio.recipe.model import Recipe
from nanostudio.remote.exec import CommandResult

Runner = Callable[[Sequence[str]], CommandResult]
DISM_PACKAGES = ("dism", "/online", "/get-packages")
FIREWALL_RULE = ("netsh", "advfirewall", "firewall", "show", "rule", f"name={WINRM_RULE}")


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


@dataclass(frozen=True)
class VerifyCheck:
    name: str  # the JUnit test case's name: says what is checked
    command: tuple[str, ...]
    judge: Callable[[CommandResult], Verdict]


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    message: str
    skipped: bool = False
    seconds: float = 0.0


def judge_computer_name(expected: str) -> Callable[[CommandResult], Verdict]:
    def judge(result: CommandResult) -> Verdict:
        actual = result.stdout.strip()
        if result.exit_code == 0 and actual.upper() == expected.upper():
            return Verdict(True, f"the VM is called {actual}")
        return Verdict(False, f"the VM is called {actual or '(nothing)'}, not {expected}")

    return judge


def installed_packages(dism_output: str) -> dict[str, str]:
    """``dism /online /get-packages``: package identity (lower case) → state."""
    found: dict[str, str] = {}
    identity: str | None = None
    for line in dism_output.replace("\r", "").splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "package identity":
            identity = value.lower()
        elif key == "state" and identity is not None:
            found[identity] = value
            identity = None
    return found


def judge_package(full_name: str) -> Callable[[CommandResult], Verdict]:
    def judge(result: CommandResult) -> Verdict:
        if result.exit_code != 0:
            return Verdict(False, f"dism could not list the packages: {_first(result)}")
        states = [
            state
            for identity, state in installed_packages(result.stdout).items()
            if identity.split("~", 1)[0] == full_name.lower()
        ]
        if not states:
            return Verdict(False, f"{full_name} is not on the VM")
        if all(state.lower() == "installed" for state in states):
            return Verdict(True, f"{full_name} is installed")
        return Verdict(False, f"{full_name} is {', '.join(states)}, not Installed")

    return judge


def ipv4_addresses(ipconfig_output: str) -> list[str]:
    """``IPv4 Address. . . : 192.168.56.10(Preferred)`` lines of ``ipconfig``."""
    found = []
    for match in re.finditer(r"IPv4 Address[ .]*:\s*([0-9.]+)", ipconfig_output):
        found.append(match.group(1))
    return found


def judge_address(expected: str) -> Callable[[CommandResult], Verdict]:
    def judge(result: CommandResult) -> Verdict:
        addresses = ipv4_addresses(result.stdout)
        if expected in addresses:
            return Verdict(True, f"the VM has {expected}")
        shown = ", ".join(addresses) or "no IPv4 address"
        return Verdict(False, f"the VM has {shown}, not the static address {expected}")

    return judge


def firewall_rule_fields(netsh_output: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in netsh_output.replace("\r", "").splitlines():
        key, sep, value = line.partition(":")
        if sep and not key.startswith("-"):
            fields.setdefault(key.strip().lower(), value.strip())
    return fields


def judge_firewall(result: CommandResult) -> Verdict:
    if result.exit_code != 0 or "no rules match" in result.stdout.lower():
        return Verdict(False, f"there is no firewall rule named {WINRM_RULE!r}")
    fields = firewall_rule_fields(result.stdout)
    wanted = {"enabled": "yes", "direction": "in", "localport": str(WINRM_PORT), "action": "allow"}
    wrong = [
        f"{k}={fields.get(k, '?')}" for k, v in wanted.items() if fields.get(k, "").lower() != v
    ]
    if wrong:
        return Verdict(False, f"the rule {WINRM_RULE!r} is not as made: {', '.join(wrong)}")
    return Verdict(True, f"{WINRM_RULE!r} allows TCP {WINRM_PORT} in")


def judge_setup_log(result: CommandResult) -> Verdict:
    if result.exit_code != 0 or not result.stdout.strip():
        return Verdict(False, f"{LOG_PATH} is missing: first boot's script did not run")
    return Verdict(True, f"{LOG_PATH} is there ({len(result.stdout.splitlines())} lines)")


def judge_no_failures(result: CommandResult) -> Verdict:
    if result.exit_code != 0:
        return Verdict(True, f"{FAILURES_LOG_PATH} does not exist: no step failed")
    lines = [line for line in result.stdout.replace("\r", "").splitlines() if line.strip()]
    return Verdict(False, "first boot steps failed: " + " | ".join(lines[:5]))


def planned_checks(recipe: Recipe | None) -> list[VerifyCheck]:
    """What to check; without a recipe only what every NanoStudio image has."""
    checks: list[VerifyCheck] = []
    if recipe is not None:
        name = recipe.system.computer_name
        checks.append(
            VerifyCheck(f"computer name is {name}", ("hostname",), judge_computer_name(name))
        )
        for package in with_dependencies(list(recipe.packages.names)):
            checks.append(
                VerifyCheck(
                    f"package {package.short} is installed",
                    DISM_PACKAGES,
                    judge_package(package.name),
                )
            )
        if recipe.network.ipv4:
            address = str(ipaddress.ip_interface(recipe.network.ipv4).ip)
            checks.append(
                VerifyCheck(f"static address {address}", ("ipconfig",), judge_address(address))
            )
    checks += [
        VerifyCheck(f"firewall rule {WINRM_RULE} allows WinRM", FIREWALL_RULE, judge_firewall),
        VerifyCheck("first boot log setupcomplete.log exists", ("type", LOG_PATH), judge_setup_log),
        VerifyCheck(
            "first boot reported no failures", ("type", FAILURES_LOG_PATH), judge_no_failures
        ),
    ]
    return checks


def run_checks(checks: Sequence[VerifyCheck], run: Runner) -> list[CheckOutcome]:
    """Every check, each command run once however many checks read it."""
    cache: dict[tuple[str, ...], CommandResult] = {}
    outcomes = []
    for check in checks:
        started = time.monotonic()
        if check.command not in cache:
            cache[check.command] = run(check.command)
        verdict = check.judge(cache[check.command])
        outcomes.append(
            CheckOutcome(
                check.name, verdict.passed, verdict.message, False, time.monotonic() - started
            )
        )
    return outcomes


def not_run(checks: Sequence[VerifyCheck], reason: str) -> list[CheckOutcome]:
    return [CheckOutcome(c.name, False, reason, skipped=True) for c in checks]


def junit_xml(outcomes: Sequence[CheckOutcome], *, suite: str, seconds: float) -> str:
    failures = sum(1 for o in outcomes if not o.passed and not o.skipped)
    skipped = sum(1 for o in outcomes if o.skipped)
    root = ET.Element("testsuites")
    testsuite = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(outcomes)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time=f"{seconds:.1f}",
    )
    for outcome in outcomes:
        case = ET.SubElement(
            testsuite,
            "testcase",
            classname="nanostudio.verify",
            name=outcome.name,
            time=f"{outcome.seconds:.2f}",
        )
        if outcome.skipped:
            ET.SubElement(case, "skipped", message=outcome.message)
        elif not outcome.passed:
            failure = ET.SubElement(case, "failure", message=outcome.message)
            failure.text = outcome.message
        else:
            ET.SubElement(case, "system-out").text = outcome.message
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _first(result: CommandResult) -> str:
    for line in (result.stderr + "\n" + result.stdout).splitlines():
        if line.strip():
            return line.strip()
    return f"exit code {result.exit_code}"
