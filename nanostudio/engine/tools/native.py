"""A C library bound through ctypes on first use (libwim, libhivex).

Binding on first use keeps start-up free of the cost and lets a plan check
``available()`` before a build starts; a library that cannot be loaded raises
the binding's own ToolMissingError, with its install hint, every time it is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from nanostudio.errors import ToolMissingError

T = TypeVar("T")


class LazyLibrary(Generic[T]):
    def __init__(self, bind: Callable[[], T]) -> None:
        self._bind = bind
        self._bound: T | None = None

    def get(self) -> T:
        """The binding, made once (ToolMissingError when the library is not installed)."""
        if self._bound is None:
            self._bound = self._bind()
        return self._bound

    def available(self) -> bool:
        try:
            self.get()
        except ToolMissingError:
            return False
        return True
