"""Marking the model's sentences for translation, without Qt.

The wizard model may not import Qt, so it cannot translate; it marks instead.
``QT_TRANSLATE_NOOP(context, source)`` is the name ``pyside6-lupdate`` extracts
(context and source must be literals), and it returns the English text as a
:class:`Text`: a ``str`` (so the model, the CLI and the tests read plain
English) that also remembers its context, source and ``format`` arguments.
The GUI translates at its boundary (``nanostudio.gui.i18n.translated``): the
source through ``QCoreApplication.translate``, then the same arguments, each
translated in turn if it is itself a ``Text``.
"""

from __future__ import annotations

from typing import Any


class Text(str):
    """English text that knows how to ask for its translation."""

    context: str
    source: str
    args: tuple[object, ...]

    def __new__(cls, context: str, source: str, args: tuple[object, ...] = ()) -> Text:
        text = super().__new__(cls, source.format(*args) if args else source)
        text.context = context
        text.source = source
        text.args = args
        return text

    def format(self, *args: object, **kwargs: Any) -> Text:
        """The same sentence with its ``{0}``, ``{1}``… filled in (positional only)."""
        if kwargs:
            raise TypeError("Text.format takes positional arguments only")
        return Text(self.context, self.source, args)

    def __getnewargs__(self) -> tuple[str, str, tuple[object, ...]]:  # type: ignore[override]
        return (self.context, self.source, self.args)


def QT_TRANSLATE_NOOP(context: str, source: str) -> Text:  # noqa: N802 - lupdate's name
    """Mark ``source`` for the catalogue under ``context``; translated by the GUI."""
    return Text(context, source)


def join(separator: Text | str, parts: list[Any]) -> Text:
    """``separator.join(parts)`` that stays translatable part by part."""
    placeholders = separator.join("{%d}" % index for index in range(len(parts)))  # noqa: UP031
    return Text("", placeholders, tuple(parts))
