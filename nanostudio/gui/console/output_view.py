"""The console's output area: styled runs of lines, a scrollback cap, following the end.

``ConsoleWidget`` drives the session and the prompt and hands this view the lines to
show; the view only paints them, in as few document edits as it can.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from nanostudio.gui.console.colours import host_colour, is_console_colour, is_dark, stream_colour
from nanostudio.remote.events import Stream, StreamText

# How a run of lines is painted: its stream (None: the echoed command) and the
# console colours Write-Host gave it (None: the stream's own colour).
Style = tuple[Stream | None, int | None, int | None]


def line_style(line: StreamText) -> Style:
    """A line's stream and, for host text that carries them, its console colours."""
    foreground = getattr(line, "foreground", None)
    background = getattr(line, "background", None)
    return (
        line.stream,
        foreground if is_console_colour(foreground) else None,
        background if is_console_colour(background) else None,
    )


ECHO: Style = (None, None, None)  # the echoed command: bold, in the view's own colour


class OutputView(QPlainTextEdit):
    """The read-only output area; Ctrl+C here copies a selection or stops the command.

    A subclass rather than an event filter: a filter would call into Python for every
    event of the widget (paints included), each needing the GIL while output floods in.
    """

    copy_or_stop = Signal()
    keys_moved = Signal()  # the user moved through the output with keys (Page Up, …)

    def __init__(self, scrollback: int) -> None:
        super().__init__()
        self._has_text = False
        self._follow = True  # the view keeps to the end until the user scrolls up
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        # Scrollback is trimmed by _trim() in one cut per flush: QPlainTextEdit's own
        # maximumBlockCount removes blocks one by one and costs ~50 ms per 1000 lines.
        self._scrollback = scrollback
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        bar = self.verticalScrollBar()
        # Only the user's own scrolling (wheel, scroll bar, keys) decides whether the
        # view follows: QPlainTextEdit moves the bar itself too, later, as it lays out.
        bar.actionTriggered.connect(lambda _action: self._user_scrolled(bar.sliderPosition()))
        self.keys_moved.connect(lambda: self._user_scrolled(bar.value()))
        # The range changes after painting, trimming, a resize or the progress bar
        # appearing: a view that follows goes to the new end each time.
        bar.rangeChanged.connect(lambda _low, _high: self._keep_to_end())
        self._formats: dict[Style, QTextCharFormat] = {}
        self.forget_formats()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_or_stop.emit()
            return
        super().keyPressEvent(event)
        self.keys_moved.emit()

    def clear(self) -> None:
        """Empty the area (Ctrl+L); the next line starts at the top."""
        super().clear()
        self._has_text = False

    def follow(self) -> None:
        """Keep to the end again (a new command: its output is what the user wants)."""
        self._follow = True

    def forget_formats(self) -> None:
        """Formats are made on first use per style; a palette change starts afresh."""
        self._formats = {}

    def _format(self, style: Style) -> QTextCharFormat:
        fmt = self._formats.get(style)
        if fmt is not None:
            return fmt
        stream, foreground, background = style
        dark = is_dark(self.palette().color(self.backgroundRole()).lightness())
        fmt = QTextCharFormat()
        if stream is None:  # the echoed command
            fmt.setFontWeight(QFont.Weight.Bold)
        elif foreground is not None:
            fmt.setForeground(QColor(host_colour(foreground, dark)))
        elif (colour := stream_colour(stream, dark)) is not None:
            fmt.setForeground(QColor(colour))
        if background is not None:
            fmt.setBackground(QColor(host_colour(background, dark)))
        self._formats[style] = fmt
        return fmt

    def append_lines(self, lines: list[tuple[str, Style]]) -> None:
        """Append lines in as few inserts as possible (one per run of the same style)."""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        run: list[str] = []
        run_style: Style | None = None
        for text, style in lines:
            if style != run_style and run:
                assert run_style is not None
                self._insert_run(cursor, run, run_style)
                run = []
            run_style = style
            run.append(text)
        if run and run_style is not None:
            self._insert_run(cursor, run, run_style)
        cursor.endEditBlock()
        self._trim()
        self._keep_to_end()

    def _user_scrolled(self, position: int) -> None:
        """Up stops following the output; back to the end resumes it."""
        self._follow = position >= self.verticalScrollBar().maximum()

    def _keep_to_end(self) -> None:
        if self._follow:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _trim(self) -> None:
        """Cut the oldest lines beyond the scrollback cap (one selection, found by number)."""
        document = self.document()
        extra = document.blockCount() - self._scrollback
        if extra <= 0:
            return
        cursor = QTextCursor(document)
        cursor.setPosition(
            document.findBlockByNumber(extra).position(), QTextCursor.MoveMode.KeepAnchor
        )
        cursor.removeSelectedText()

    def _insert_run(self, cursor: QTextCursor, run: list[str], style: Style) -> None:
        fmt = self._format(style)
        text = "\n".join(run)
        cursor.insertText(("\n" + text) if self._has_text else text, fmt)
        self._has_text = True
