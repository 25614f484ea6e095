"""A C library bound through ctypes on first use (libwim, libhivex).

Binding on first use keeps start-up free of the cost and lets a plan check
``available()`` before a build starts; a library that cannot be loaded raises
the binding's own ToolMissingError, with its install hint, every time it is asked.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from nanostudio.errors import ToolMissingError

T = TypeVar("T")


def load_library(
    first: Sequence[str], names: Sequence[str], *, what: str, install_hint: str
) -> ctypes.CDLL:
    """The first of the ``first`` file names, then of the libraries ``names`` that
    ``ctypes.util.find_library`` finds, that loads; ToolMissingError when none does."""
    candidates = [*first, *(found for name in names if (found := ctypes.util.find_library(name)))]
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate, use_errno=True)
        except OSError:
            continue
    raise ToolMissingError(f"{what} was not found: {install_hint}")


class LazyLibrary(Generic[T]):
    def __init__(self, bind: Callable[[], T]) -> None:
        self._bind = bind
        self._bound: T | None = None

    def get(self) -> T:
        """The binding, made once (ToolMissingError when the library is not installed)."""
        if self._bound is None:
            self._bound = self._bind()
        return self._bound

    def require(self) -> None:
        """Raise ToolMissingError, with its install hint, when the library cannot load."""
        self.get()

    def available(self) -> bool:
        try:
            self.get()
        except ToolMissingError:
            return False
        return True
