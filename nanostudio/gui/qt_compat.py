"""Work around a PySide6 6.12.0 bug: every Python-side ``Signal.emit()`` drops one
reference to ``True`` (on Python 3.11, where ``True`` is not immortal).

After about two thousand emits CPython aborts with "bool_dealloc: deallocating True
or False". PySide6 6.11.3 does not have the bug. ``emit`` below gives the reference
back, but only when a probe at import shows that this PySide6 takes it.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


def _emit_leaks_true() -> bool:
    probe = _Probe()
    rounds = 8
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        # Give back what the probe itself cost.
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= rounds


EMIT_LEAKS_TRUE = _emit_leaks_true()


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, leaving ``True``'s reference count as it was."""
    signal.emit(*args)
    if EMIT_LEAKS_TRUE:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
