"""``nanostudio verify DISK|RECIPE``: boot the disk (on a throw-away overlay with QEMU), wait
with the connection doctor, check over WinRM what the recipe asked for, write JUnit.

Exit codes: 0 every check passed, 1 a check failed (or the VM never answered), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from nanostudio.cli.run_cmd import add_vm_arguments, wait_for
from nanostudio.cli.vm_support import ask_consent, vm_password
from nanostudio.errors import RemoteError, UserFacingError
from nanostudio.recipe.model import Recipe
from nanostudio.recipe.toml_io import load_recipe
from nanostudio.remote.doctor import ConnectionDoctor, Diagnosis
from nanostudio.remote.exec import CommandResult, run_command
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import test_connection
from nanostudio.remote.settings import HTTP_PORT, ConnectionSettings
from nanostudio.remote.verify import (
    CheckOutcome,
    VerifyCheck,
    junit_xml,
    not_run,
    planned_checks,
    run_checks,
)
from nanostudio.secret import ADMIN_PASSWORD_ENV
from nanostudio.vm.backends import backend_for, create_and_start
from nanostudio.vm.inputs import resolve_input
from nanostudio.vm.model import Hypervisor, VmError
from nanostudio.vm.pins import https_settings
from nanostudio.vm.qemu import TCG_WARNING
from nanostudio.vm.store import VmStore

CONNECT_CASE = "connect over WinRM"
START_CASE = "start the VM"
HTTPS_CASE = "WinRM over HTTPS with the built certificate"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="boot a built disk and check over WinRM what its recipe asked for (JUnit report)",
        description=(
            f"Password: {ADMIN_PASSWORD_ENV} or a prompt. Exit codes: 0 all checks passed, "
            "1 a check failed, 2 bad input."
        ),
    )
    add_vm_arguments(parser)
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--address",
        metavar="HOST[:PORT]",
        help="check a VM that already runs there instead of starting one",
    )
    parser.add_argument("--keep", action="store_true", help="leave the VM running afterwards")
    parser.set_defaults(func=run)


def _parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, HTTP_PORT
    if not port.isdigit() or not 1 <= int(port) <= 65535 or not host:
        raise UserFacingError(f"--address {text!r} is not HOST or HOST:PORT")
    return host, int(port)


def _check_inputs(args: argparse.Namespace) -> None:
    if args.timeout is not None and args.timeout <= 0:
        raise UserFacingError("--timeout must be more than 0 seconds")
    if args.junit is not None and not args.junit.parent.resolve().is_dir():
        raise UserFacingError(f"the folder of --junit {args.junit} does not exist")


def run(args: argparse.Namespace) -> int:
    _check_inputs(args)
    started = time.monotonic()
    if args.address:
        host, port = _parse_address(args.address)
        recipe: Recipe | None = None
        if args.input.suffix.lower() == ".toml":
            recipe = load_recipe(args.input)
        elif not args.input.is_file():
            raise UserFacingError(f"{args.input} does not exist")
        checks = planned_checks(recipe)
        password = vm_password()
        settings = ConnectionSettings(host=host, port=port)
        doctor = ConnectionDoctor(settings, password, timeout_s=args.timeout or 60.0)
        doctor.sink = _print_event
        outcomes = _connect_and_check(doctor, doctor.run(), settings, password, checks)
        return _report(outcomes, args, started)
    vm_input = resolve_input(
        args.input,
        hypervisor=Hypervisor(args.hypervisor) if args.hypervisor else None,
        ipv4=args.ipv4,
    )
    checks = planned_checks(vm_input.recipe)
    password = vm_password()
    for note in vm_input.notes:
        print(note, file=sys.stderr)
    spec = replace(vm_input.spec, name=f"{vm_input.spec.name}-verify", snapshot=True)
    if vm_input.hypervisor is not Hypervisor.QEMU:
        print(
            f"note: {vm_input.hypervisor.label} boots the disk itself: first boot changes it.",
            file=sys.stderr,
        )
    backend = backend_for(vm_input.hypervisor, consent=ask_consent)
    try:
        result = create_and_start(backend, spec)
    except VmError as error:
        outcomes = [CheckOutcome(START_CASE, False, str(error)), *not_run(checks, "not run")]
        return _report(outcomes, args, started)
    record = result.record
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{record.name} started; WinRM at {record.host}:{record.port}", file=sys.stderr)
    try:
        kvm = TCG_WARNING not in result.warnings
        doctor, diagnosis = wait_for(backend, record, password, kvm=kvm, timeout_s=args.timeout)
        outcomes = _connect_and_check(doctor, diagnosis, doctor.settings, password, checks)
        https = https_settings(record, doctor.settings.user)
        if https is not None and diagnosis.ok:
            outcomes.append(https_check(https.replace(auth=doctor.settings.auth), password))
    finally:
        if not args.keep:
            backend.delete(record)
            VmStore().remove(record.name)
    outcomes.insert(0, CheckOutcome(START_CASE, True, f"{record.name} started"))
    return _report(outcomes, args, started)


def _print_event(event: object) -> None:
    print(event, file=sys.stderr, flush=True)


def _connect_and_check(
    doctor: ConnectionDoctor,
    diagnosis: Diagnosis,
    settings: ConnectionSettings,
    password: str,
    checks: Sequence[VerifyCheck],
) -> list[CheckOutcome]:
    if not diagnosis.ok:
        return [
            CheckOutcome(CONNECT_CASE, False, str(diagnosis), seconds=diagnosis.elapsed_s),
            *not_run(checks, "not checked: no WinRM connection"),
        ]
    host = settings.replace(timeout_s=30.0)

    def runner(argv: Sequence[str]) -> CommandResult:
        return run_command(host, password, list(argv), pins=PinStore())

    connected = CheckOutcome(CONNECT_CASE, True, str(diagnosis), seconds=diagnosis.elapsed_s)
    return [connected, *run_checks(checks, runner)]


def https_check(settings: ConnectionSettings, password: str) -> CheckOutcome:
    """WinRM over HTTPS at the VM's forwarded port, verified against the certificate built
    into its disk (the pin in ``settings``): the first-boot listener works and is ours."""
    started = time.monotonic()
    try:
        report = test_connection(settings.replace(timeout_s=30.0), password, PinStore())
    except RemoteError as error:
        return CheckOutcome(HTTPS_CASE, False, str(error), seconds=time.monotonic() - started)
    return CheckOutcome(
        HTTPS_CASE,
        True,
        f"{settings.host}:{settings.port} answered as {report.hostname} with the built certificate",
        seconds=time.monotonic() - started,
    )


def _report(outcomes: list[CheckOutcome], args: argparse.Namespace, started: float) -> int:
    for outcome in outcomes:
        mark = "SKIP" if outcome.skipped else ("PASS" if outcome.passed else "FAIL")
        print(f"{mark}  {outcome.name}: {outcome.message}")
    passed = all(o.passed for o in outcomes)
    if args.junit is not None:
        text = junit_xml(outcomes, suite=f"nanostudio verify {args.input.name}",
                         seconds=time.monotonic() - started)  # fmt: skip
        args.junit.write_text(text, encoding="utf-8")
        print(f"JUnit report: {args.junit}")
    failed = sum(1 for o in outcomes if not o.passed)
    print("All checks passed." if passed else f"{failed} of {len(outcomes)} checks did not pass.")
    return 0 if passed else 1
