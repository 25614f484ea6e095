"""PySide6 6.12.0 drops a reference to ``True`` on every Python-side ``emit()``;
CPython 3.11 aborts after about two thousand. pyproject excludes that release;
this proves the installed PySide6 is not affected (in a child, since it aborts)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class Sender(QObject):
    fired = Signal(object)
sender = Sender()
before = sys.getrefcount(True)
for _ in range(5000):
    sender.fired.emit(1)
print(sys.getrefcount(True) - before)
"""


def test_emit_keeps_the_reference_count_of_true() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert abs(int(result.stdout.strip())) < 10
