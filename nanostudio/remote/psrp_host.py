"""The PowerShell host NanoStudio presents to the server: prompts go to a handler,
host writes (Write-Host) become events.

pypsrp calls these methods from inside a receive on the session's worker thread;
the prompt handler may block there until the user answers (the GUI answers from a
dialog via a queued call, the terminal REPL reads stdin).
"""

# ruff: noqa: N802 - method names are fixed by pypsrp (they are MS-PSRP host method names)
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pypsrp.complex_objects import (
    Color,
    Coordinates,
    CultureInfo,
    ObjectMeta,
    PSCredential,
    Size,
)
from pypsrp.host import PSHost, PSHostRawUserInterface, PSHostUserInterface

from nanostudio import APP_NAME, __version__
from nanostudio.remote.events import (
    EventSink,
    PromptField,
    PromptHandler,
    PromptKind,
    PromptReply,
    PromptRequest,
    Stream,
    StreamText,
)

log = logging.getLogger(__name__)

CONSOLE_WIDTH = 120


def _prop(obj: Any, name: str, default: Any = None) -> Any:
    """A property of a deserialized object, wherever pypsrp put it."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    for bag in ("adapted_properties", "extended_properties", "property_sets"):
        values = getattr(obj, bag, None)
        if isinstance(values, dict) and name in values:
            return values[name]
    return getattr(obj, name, default)


class ConsoleHostUI(PSHostUserInterface):
    """Host UI wired to the session's current event sink and prompt handler."""

    def __init__(self, prompt_handler: PromptHandler | None, on_cancel: Callable[[], None]) -> None:
        raw = PSHostRawUserInterface(
            window_title=APP_NAME,
            cursor_size=25,
            foreground_color=Color(value=Color.GRAY),
            background_color=Color(value=Color.BLACK),
            cursor_position=Coordinates(x=0, y=0),
            window_position=Coordinates(x=0, y=0),
            buffer_size=Size(width=CONSOLE_WIDTH, height=3000),
            max_physical_window_size=Size(width=CONSOLE_WIDTH, height=60),
            max_window_size=Size(width=CONSOLE_WIDTH, height=60),
            window_size=Size(width=CONSOLE_WIDTH, height=60),
        )
        super().__init__(raw)
        self.prompt_handler = prompt_handler
        self.sink: EventSink | None = None
        self._on_cancel = on_cancel
        self._partial = ""

    # -- writes ---------------------------------------------------------------
    def _emit(self, stream: Stream, text: str) -> None:
        if self.sink is not None:
            self.sink(StreamText(stream, text))

    def _write(self, text: str) -> None:
        """Host writes arrive in pieces; emit whole lines, keep the rest for later."""
        self._partial += text
        *lines, self._partial = self._partial.replace("\r\n", "\n").split("\n")
        for line in lines:
            self._emit(Stream.HOST, line)

    def flush(self) -> None:
        if self._partial:
            self._emit(Stream.HOST, self._partial)
            self._partial = ""

    def Write1(self, runspace: Any, pipeline: Any, value: str) -> None:
        self._write(value)

    def Write2(self, runspace: Any, pipeline: Any, fg: int, bg: int, value: str) -> None:
        self._write(value)

    def WriteLine1(self, runspace: Any, pipeline: Any) -> None:
        self._write("\n")

    def WriteLine2(self, runspace: Any, pipeline: Any, value: str) -> None:
        self._write(value + "\n")

    def WriteLine3(self, runspace: Any, pipeline: Any, fg: int, bg: int, value: str) -> None:
        self._write(value + "\n")

    def WriteErrorLine(self, runspace: Any, pipeline: Any, message: str) -> None:
        self._emit(Stream.ERROR, message)

    def WriteDebugLine(self, runspace: Any, pipeline: Any, message: str) -> None:
        self._emit(Stream.DEBUG, message)

    def WriteVerboseLine(self, runspace: Any, pipeline: Any, message: str) -> None:
        self._emit(Stream.VERBOSE, message)

    def WriteWarningLine(self, runspace: Any, pipeline: Any, message: str) -> None:
        self._emit(Stream.WARNING, message)

    def WriteProgress(self, runspace: Any, pipeline: Any, source_id: int, record: str) -> None:
        # Progress also arrives as PROGRESS_RECORD messages, which the session renders.
        return None

    # -- prompts --------------------------------------------------------------
    def _ask(self, request: PromptRequest) -> PromptReply | None:
        self.flush()
        if self.prompt_handler is None:
            log.warning("the remote command asked for input but this console cannot prompt")
            self._on_cancel()
            return None
        reply = self.prompt_handler(request)
        if reply is None:
            self._on_cancel()
        return reply

    def ReadLine(self, runspace: Any, pipeline: Any) -> str:
        reply = self._ask(PromptRequest(PromptKind.LINE, fields=(PromptField("", ""),)))
        return reply.values.get("", "") if reply else ""

    def ReadLineAsSecureString(self, runspace: Any, pipeline: Any) -> Any:
        request = PromptRequest(PromptKind.SECURE_LINE, fields=(PromptField("", "", secure=True),))
        reply = self._ask(request)
        return _secure(runspace, reply.values.get("", "") if reply else "")

    def Prompt(
        self, runspace: Any, pipeline: Any, caption: str, message: str, descriptions: list[Any]
    ) -> dict[str, Any]:
        fields = tuple(_field(d) for d in descriptions)
        reply = self._ask(PromptRequest(PromptKind.FIELDS, caption or "", message or "", fields))
        answers: dict[str, Any] = {}
        for f in fields:
            value = reply.values.get(f.name, "") if reply else ""
            answers[f.name] = _secure(runspace, value) if f.secure else value
        return answers

    def _credential(self, runspace: Any, caption: str, message: str, user_name: str) -> Any:
        request = PromptRequest(
            PromptKind.CREDENTIAL, caption or "", message or "", user_name=user_name or ""
        )
        reply = self._ask(request)
        runspace.exchange_keys()
        user = (reply.user if reply else "") or user_name or ""
        password = reply.password if reply else ""
        return PSCredential(username=user, password=password)  # type: ignore[no-untyped-call]

    def PromptForCredential1(
        self, runspace: Any, pipeline: Any, caption: str, message: str, user_name: str, target: str
    ) -> Any:
        return self._credential(runspace, caption, message, user_name)

    def PromptForCredential2(
        self,
        runspace: Any,
        pipeline: Any,
        caption: str,
        message: str,
        user_name: str,
        target: str,
        allowed_types: int,
        options: int,
    ) -> Any:
        return self._credential(runspace, caption, message, user_name)

    def PromptForChoice(
        self,
        runspace: Any,
        pipeline: Any,
        caption: str,
        message: str,
        choices: list[Any],
        default_choice: int,
    ) -> int:
        labels = tuple(str(_prop(c, "Label", c)).replace("&", "") for c in choices)
        request = PromptRequest(
            PromptKind.CHOICE,
            caption or "",
            message or "",
            choices=labels,
            default_choice=default_choice,
        )
        reply = self._ask(request)
        if reply is None or not 0 <= reply.choice < len(labels):
            return max(default_choice, 0)
        return reply.choice


def _field(description: Any) -> PromptField:
    name = str(_prop(description, "name", "") or "")
    label = str(_prop(description, "label", "") or "") or name
    type_name = str(_prop(description, "parameterTypeFullName", "") or "")
    return PromptField(name=name, label=label, secure="SecureString" in type_name)


def _secure(runspace: Any, value: str) -> Any:
    """A SecureString for the server: needs the session key, exchanged on first use."""
    runspace.exchange_keys()
    return runspace._serializer.serialize(value, ObjectMeta("SS"))


def make_host(ui: ConsoleHostUI) -> PSHost:
    culture = CultureInfo(  # type: ignore[no-untyped-call]
        lcid=1033,
        name="en-US",
        display_name="English (United States)",
        ietf_language_tag="en-US",
        three_letter_iso_name="eng",
        three_letter_windows_name="ENU",
        two_letter_iso_language_name="en",
    )
    return PSHost(
        current_culture=culture,
        current_ui_culture=culture,
        debugger_enabled=False,
        name=APP_NAME,
        private_data=None,
        ui=ui,
        version=__version__ + ".0",
    )
