"""The PowerShell host NanoStudio presents to the server: prompts go to a handler,
host writes (Write-Host) become events.

The server asks the host through host calls (MS-PSRP 2.2.2.27); psrpcore turns each
into a ``PipelineHostCallEvent``/``RunspacePoolHostCallEvent``, and the session hands it
to ``ConsoleHost.handle`` on its worker thread. The prompt handler may block there until
the user answers (the GUI answers from a dialog via a queued call, the terminal REPL
reads stdin). Calls that return something get an answer through psrpcore's
``ClientHostResponder``; void calls (writes, setters) get none, as the protocol says.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import psrpcore
from psrpcore.types import (
    ConsoleColor,
    Coordinates,
    ErrorCategory,
    ErrorCategoryInfo,
    ErrorRecord,
    HostDefaultData,
    HostInfo,
    HostMethodIdentifier,
    NETException,
    PSCredential,
    PSSecureString,
    PSVersion,
    Size,
)

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
WINDOW_HEIGHT = 60
BUFFER_HEIGHT = 3000
CURSOR_SIZE = 25
CULTURE = "en-US"
_INSTANCE_ID = uuid.uuid4()

HostCall = psrpcore.PipelineHostCallEvent | psrpcore.RunspacePoolHostCallEvent
Responder = psrpcore.ClientHostResponder
# What answers a host call: the pipeline that made it, or the pool for a pool's call.
Answering = psrpcore.ClientPowerShell | psrpcore.ClientRunspacePool


def _prop(obj: Any, name: str, default: Any = None) -> Any:
    """A property of a deserialized object (psrpcore exposes them as attributes), or of a dict."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def host_info() -> HostInfo:
    """What the pool tells the server about this host: a UI with a 120-column console."""
    window = Size(Width=CONSOLE_WIDTH, Height=WINDOW_HEIGHT)
    data = HostDefaultData(
        ForegroundColor=ConsoleColor.Gray,
        BackgroundColor=ConsoleColor.Black,
        CursorPosition=Coordinates(X=0, Y=0),
        WindowPosition=Coordinates(X=0, Y=0),
        CursorSize=CURSOR_SIZE,
        BufferSize=Size(Width=CONSOLE_WIDTH, Height=BUFFER_HEIGHT),
        WindowSize=window,
        MaxWindowSize=window,
        MaxPhysicalWindowSize=window,
        WindowTitle=APP_NAME,
    )
    return HostInfo(
        IsHostNull=False,
        IsHostUINull=False,
        IsHostRawUINull=False,
        UseRunspaceHost=True,
        HostDefaultData=data,
    )


# Host methods with no return value: the server expects no response to these.
_VOID = frozenset(
    {
        HostMethodIdentifier.SetShouldExit,
        HostMethodIdentifier.EnterNestedPrompt,
        HostMethodIdentifier.ExitNestedPrompt,
        HostMethodIdentifier.NotifyBeginApplication,
        HostMethodIdentifier.NotifyEndApplication,
        HostMethodIdentifier.Write1,
        HostMethodIdentifier.Write2,
        HostMethodIdentifier.WriteLine1,
        HostMethodIdentifier.WriteLine2,
        HostMethodIdentifier.WriteLine3,
        HostMethodIdentifier.WriteErrorLine,
        HostMethodIdentifier.WriteDebugLine,
        HostMethodIdentifier.WriteProgress,
        HostMethodIdentifier.WriteVerboseLine,
        HostMethodIdentifier.WriteWarningLine,
        HostMethodIdentifier.SetForegroundColor,
        HostMethodIdentifier.SetBackgroundColor,
        HostMethodIdentifier.SetCursorPosition,
        HostMethodIdentifier.SetWindowPosition,
        HostMethodIdentifier.SetCursorSize,
        HostMethodIdentifier.SetBufferSize,
        HostMethodIdentifier.SetWindowSize,
        HostMethodIdentifier.SetWindowTitle,
        HostMethodIdentifier.FlushInputBuffer,
        HostMethodIdentifier.SetBufferContents1,
        HostMethodIdentifier.SetBufferContents2,
        HostMethodIdentifier.ScrollBufferContents,
        HostMethodIdentifier.PushRunspace,
        HostMethodIdentifier.PopRunspace,
    }
)


class ConsoleHost:
    """Host calls answered for the session's current event sink and prompt handler.

    ``session_key`` makes sure the pool holds the session key before a SecureString is
    answered (MS-PSRP 3.2.5.4.5: the client starts the key exchange when it needs one).
    """

    def __init__(
        self,
        prompt_handler: PromptHandler | None,
        on_cancel: Callable[[], None],
        session_key: Callable[[], None],
    ) -> None:
        self.prompt_handler = prompt_handler
        self.sink: EventSink | None = None
        self._on_cancel = on_cancel
        self._session_key = session_key
        self._partial = ""
        self._colours: tuple[int | None, int | None] = (None, None)

    # -- writes ---------------------------------------------------------------
    def _emit(
        self, stream: Stream, text: str, colours: tuple[int | None, int | None] = (None, None)
    ) -> None:
        if self.sink is not None:
            self.sink(StreamText(stream, text, *colours))

    def _write(self, text: str, colours: tuple[int | None, int | None]) -> None:
        """Host writes arrive in pieces; emit whole lines, keep the rest for later. A
        line takes the colours of the write that started it."""
        if not self._partial:
            self._colours = colours
        self._partial += text
        *lines, self._partial = self._partial.replace("\r\n", "\n").split("\n")
        for line in lines:
            self._emit(Stream.HOST, line, self._colours)
            self._colours = colours

    def flush(self) -> None:
        if self._partial:
            self._emit(Stream.HOST, self._partial, self._colours)
            self._partial = ""

    # -- dispatch -------------------------------------------------------------
    def handle(self, call: HostCall, connection: Answering) -> None:
        """Answer one host call (writes become events, prompts go to the handler)."""
        method = call.method_identifier
        args = call.method_parameters
        writes = _WRITES.get(method)
        if writes is not None:
            stream, text = writes(args)
            if stream is Stream.HOST:
                coloured = method in (HostMethodIdentifier.Write2, HostMethodIdentifier.WriteLine3)
                self._write(text, _colours(args) if coloured else (None, None))
            else:
                self._emit(stream, text)
            return
        if method in _VOID or call.ci == -100:  # -100: the server wants no answer
            return
        answer = _ANSWERS.get(method)
        if answer is None:
            log.info("the remote command called the unsupported host method %s", method.name)
            connection.host_response(call.ci, error_record=_not_implemented(method))
            return
        answer(self, call.ci, args, psrpcore.ClientHostResponder(connection))

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

    def _secure(self, value: str) -> PSSecureString:
        self._session_key()
        return PSSecureString(value)

    def read_line(self, ci: int, args: list[Any], responder: Responder) -> None:
        reply = self._ask(PromptRequest(PromptKind.LINE, fields=(PromptField("", ""),)))
        responder.read_line(ci, reply.values.get("", "") if reply else "")

    def read_line_secure(self, ci: int, args: list[Any], responder: Responder) -> None:
        request = PromptRequest(PromptKind.SECURE_LINE, fields=(PromptField("", "", secure=True),))
        reply = self._ask(request)
        responder.read_line_as_secure_string(
            ci, self._secure(reply.values.get("", "") if reply else "")
        )

    def prompt(self, ci: int, args: list[Any], responder: Responder) -> None:
        caption, message, descriptions = args[0], args[1], args[2]
        fields = tuple(_field(d) for d in descriptions)
        reply = self._ask(PromptRequest(PromptKind.FIELDS, caption or "", message or "", fields))
        answers: dict[str, Any] = {}
        for f in fields:
            value = reply.values.get(f.name, "") if reply else ""
            answers[f.name] = self._secure(value) if f.secure else value
        responder.prompt(ci, answers)

    def credential(self, ci: int, args: list[Any], responder: Responder) -> None:
        caption, message, user_name = args[0], args[1], args[2]
        request = PromptRequest(
            PromptKind.CREDENTIAL, caption or "", message or "", user_name=user_name or ""
        )
        reply = self._ask(request)
        user = (reply.user if reply else "") or user_name or ""
        password = self._secure(reply.password if reply else "")
        credential = PSCredential(UserName=user, Password=password)
        # What .NET serializes for it too: PSCredential.ToString() is the type name.
        credential.PSObject.to_string = "System.Management.Automation.PSCredential"
        responder.prompt_for_credential(ci, credential)

    def choice(self, ci: int, args: list[Any], responder: Responder) -> None:
        caption, message, choices, default_choice = args[0], args[1], args[2], args[3]
        labels = tuple(str(_prop(c, "Label", c)).replace("&", "") for c in choices)
        default = int(default_choice) if default_choice is not None else -1
        request = PromptRequest(
            PromptKind.CHOICE, caption or "", message or "", choices=labels, default_choice=default
        )
        reply = self._ask(request)
        if reply is None or not 0 <= reply.choice < len(labels):
            responder.prompt_for_choice(ci, max(default, 0))
        else:
            responder.prompt_for_choice(ci, reply.choice)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# The host's own colours (Write-Host without -ForegroundColor/-BackgroundColor):
# ConsoleColor Gray on Black, what the Windows console host reports by default.
_DEFAULT_FOREGROUND, _DEFAULT_BACKGROUND = 7, 0


def _colours(args: list[Any]) -> tuple[int | None, int | None]:
    """Write2/WriteLine3's (foreground, background, text) colours as ConsoleColor numbers
    (MS-PSRP 2.2.3.17), None where they are the host's defaults or not numbers."""

    def number(value: Any, default: int) -> int | None:
        try:
            colour = int(value)
        except (TypeError, ValueError):
            return None
        return None if colour == default or not 0 <= colour <= 15 else colour

    return number(args[0], _DEFAULT_FOREGROUND), number(args[1], _DEFAULT_BACKGROUND)


_WRITES: dict[HostMethodIdentifier, Callable[[list[Any]], tuple[Stream, str]]] = {
    HostMethodIdentifier.Write1: lambda a: (Stream.HOST, _text(a[0])),
    HostMethodIdentifier.Write2: lambda a: (Stream.HOST, _text(a[2])),
    HostMethodIdentifier.WriteLine1: lambda a: (Stream.HOST, "\n"),
    HostMethodIdentifier.WriteLine2: lambda a: (Stream.HOST, _text(a[0]) + "\n"),
    HostMethodIdentifier.WriteLine3: lambda a: (Stream.HOST, _text(a[2]) + "\n"),
    HostMethodIdentifier.WriteErrorLine: lambda a: (Stream.ERROR, _text(a[0])),
    HostMethodIdentifier.WriteDebugLine: lambda a: (Stream.DEBUG, _text(a[0])),
    HostMethodIdentifier.WriteVerboseLine: lambda a: (Stream.VERBOSE, _text(a[0])),
    HostMethodIdentifier.WriteWarningLine: lambda a: (Stream.WARNING, _text(a[0])),
}

_Answer = Callable[[ConsoleHost, int, list[Any], Responder], None]
_WINDOW = (CONSOLE_WIDTH, WINDOW_HEIGHT)
_ANSWERS: dict[HostMethodIdentifier, _Answer] = {
    HostMethodIdentifier.ReadLine: ConsoleHost.read_line,
    HostMethodIdentifier.ReadLineAsSecureString: ConsoleHost.read_line_secure,
    HostMethodIdentifier.Prompt: ConsoleHost.prompt,
    HostMethodIdentifier.PromptForCredential1: ConsoleHost.credential,
    HostMethodIdentifier.PromptForCredential2: ConsoleHost.credential,
    HostMethodIdentifier.PromptForChoice: ConsoleHost.choice,
    HostMethodIdentifier.GetName: lambda h, ci, a, r: r.get_name(ci, APP_NAME),
    HostMethodIdentifier.GetVersion: lambda h, ci, a, r: r.get_version(
        ci, PSVersion(__version__ + ".0")
    ),
    HostMethodIdentifier.GetInstanceId: lambda h, ci, a, r: r.get_instance_id(ci, _INSTANCE_ID),
    HostMethodIdentifier.GetCurrentCulture: lambda h, ci, a, r: r.get_current_culture(ci, CULTURE),
    HostMethodIdentifier.GetCurrentUICulture: lambda h, ci, a, r: r.get_current_ui_culture(
        ci, CULTURE
    ),
    HostMethodIdentifier.GetIsRunspacePushed: lambda h, ci, a, r: r.get_is_runspace_pushed(
        ci, False
    ),
    HostMethodIdentifier.GetForegroundColor: lambda h, ci, a, r: r.get_foreground_color(
        ci, ConsoleColor.Gray
    ),
    HostMethodIdentifier.GetBackgroundColor: lambda h, ci, a, r: r.get_background_color(
        ci, ConsoleColor.Black
    ),
    HostMethodIdentifier.GetCursorPosition: lambda h, ci, a, r: r.get_cursor_position(ci, 0, 0),
    HostMethodIdentifier.GetWindowPosition: lambda h, ci, a, r: r.get_window_position(ci, 0, 0),
    HostMethodIdentifier.GetCursorSize: lambda h, ci, a, r: r.get_cursor_size(ci, CURSOR_SIZE),
    HostMethodIdentifier.GetBufferSize: lambda h, ci, a, r: r.get_buffer_size(
        ci, CONSOLE_WIDTH, BUFFER_HEIGHT
    ),
    HostMethodIdentifier.GetWindowSize: lambda h, ci, a, r: r.get_window_size(ci, *_WINDOW),
    HostMethodIdentifier.GetMaxWindowSize: lambda h, ci, a, r: r.get_max_window_size(ci, *_WINDOW),
    HostMethodIdentifier.GetMaxPhysicalWindowSize: lambda h, ci, a, r: (
        r.get_max_physical_window_size(ci, *_WINDOW)
    ),
    HostMethodIdentifier.GetWindowTitle: lambda h, ci, a, r: r.get_window_title(ci, APP_NAME),
    HostMethodIdentifier.GetKeyAvailable: lambda h, ci, a, r: r.get_key_available(ci, False),
}


def _field(description: Any) -> PromptField:
    name = str(_prop(description, "Name", "") or "")
    label = str(_prop(description, "Label", "") or "") or name
    type_name = str(_prop(description, "ParameterTypeFullName", "") or "")
    type_name += " " + str(_prop(description, "ParameterTypeName", "") or "")
    return PromptField(name=name, label=label, secure="SecureString" in type_name)


def _not_implemented(method: HostMethodIdentifier) -> ErrorRecord:
    """What a host that lacks a method answers: PowerShell then fails that call only."""
    message = f"The {APP_NAME} console does not implement the host method {method.name}."
    return ErrorRecord(
        Exception=NETException(Message=message),
        CategoryInfo=ErrorCategoryInfo(Category=ErrorCategory.NotImplemented),
        FullyQualifiedErrorId="NotImplemented",
    )
