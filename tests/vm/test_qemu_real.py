"""A real QEMU + OVMF run (TCG) of a disk built from the sample media for KVM, through the
vm package: it boots to the sample's boot probe on the serial port, and stopping it
leaves no QEMU process and no file behind (the disk itself stays as built)."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import psutil
import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_boot import BOOT_END_LINE, parse_boot_log
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.recipe import DriversSpec, NetworkSpec, OutputSpec, Recipe, SourceSpec, Target
from nanostudio.vm.backends import create_and_start
from nanostudio.vm.model import GuestNetwork, VmSpec, VmState
from nanostudio.vm.qemu import TCG_WARNING, QemuBackend
from nanostudio.vm.store import VmStore
from tests.engine_portable.helpers import build

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-x86_64") is None, reason="qemu-system-x86_64 is not installed"
)
GIB = 1 << 30


@pytest.fixture(scope="module")
def kvm_disk(sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kvm-disk")
    recipe = Recipe(
        source=SourceSpec(
            media=sample_media.root, edition=Edition.DATACENTER, deployment=Deployment.HOST
        ),
        drivers=DriversSpec(oem=True),
        network=NetworkSpec(winrm=True, ipv4="192.168.56.10/24", gateway="192.168.56.1"),
        output=OutputSpec(path=folder / "nano.vhdx", size=GIB, target=Target.KVM),
    )
    outcome = build(recipe)
    assert outcome.was_successful(), outcome
    return recipe.output.path


def test_sample_disk_boots_under_qemu_and_nothing_is_left(kvm_disk: Path) -> None:
    digest = hashlib.sha256(kvm_disk.read_bytes()).hexdigest()
    backend = QemuBackend(accel="tcg")
    spec = VmSpec("NANO-QEMU", kvm_disk, Target.KVM, GuestNetwork("192.168.56.10/24",
                  "192.168.56.1"), memory_mib=512, snapshot=True)  # fmt: skip
    result = create_and_start(backend, spec)
    record = result.record
    assert result.warnings == (TCG_WARNING,)
    assert record.pid is not None and VmStore().get("NANO-QEMU") == record
    process = psutil.Process(record.pid)
    assert "-device" in process.cmdline() and "e1000,netdev=net0" in process.cmdline()
    deadline = time.monotonic() + 25
    text = ""
    while time.monotonic() < deadline and BOOT_END_LINE not in text:
        time.sleep(0.25)
        text = record.serial_log.read_text(errors="replace")
    report = parse_boot_log(text)
    assert report.started and report.finished, text
    assert report.edition == "Datacenter" and report.marker_fs == "ntfs"
    assert report.bcd_fs == "fat"
    # The probe halts: QEMU powers off by itself and is seen as stopped (and reaped).
    deadline = time.monotonic() + 10
    while backend.status(record) is VmState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
    record = backend.stop(record, graceful_s=0)
    assert backend.status(record) is VmState.STOPPED
    backend.delete(record)
    VmStore().remove(record.name)
    assert (
        not psutil.pid_exists(result.record.pid or 0)
        or psutil.Process(result.record.pid or 0).status() == psutil.STATUS_ZOMBIE
    )
    assert not record.folder.exists()
    assert hashlib.sha256(kvm_disk.read_bytes()).hexdigest() == digest  # snapshot=on


def test_stop_kills_a_running_qemu_and_a_second_start_on_a_locked_disk_fails(
    kvm_disk: Path,
) -> None:
    """A VM that does not halt by itself (the probe is replaced by firmware's boot menu
    wait) is killed by stop(); QEMU's write lock refusal is turned into plain words."""
    backend = QemuBackend(accel="tcg")
    first = create_and_start(backend, VmSpec("HOLD1", kvm_disk, Target.KVM, memory_mib=256))
    try:
        from nanostudio.vm.model import VmError

        with pytest.raises(VmError, match="in use by another VM"):
            create_and_start(backend, VmSpec("HOLD2", kvm_disk, Target.KVM, memory_mib=256))
        assert VmStore().get("HOLD2") is None
    finally:
        started = time.monotonic()
        record = backend.stop(first.record, graceful_s=0)
        backend.delete(record)
    assert time.monotonic() - started < 10
    assert not psutil.pid_exists(first.record.pid or 0)
