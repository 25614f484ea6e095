"""A runspace pool's server side: psrpcore state, pipeline workers, queues to the client.

Each pipeline runs the PowerShell subset on its own worker thread; its streams become
PSRP messages and its prompts host calls. Outgoing fragments are sorted per target
(the pool, or one pipeline) because a Receive asks for one target only.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psrpcore
from psrpcore.types import (
    ConsoleColor,
    ErrorCategory,
    ErrorCategoryInfo,
    FieldDescription,
    NETException,
    ProgressRecordType,
    PSCustomObject,
    PSInvocationState,
)

from tests.support.winrm_server.powershell import (
    ErrorInfo,
    NonInteractive,
    Record,
    Session,
    Stopped,
)

log = logging.getLogger(__name__)

FRAGMENT_SIZE = 32 * 1024
PENDING_LIMIT = 1024 * 1024  # bytes queued for a pipeline before its worker waits (flow control)
JOIN_TIMEOUT = 5.0


class _PoolGone(Exception):
    """The pool was closed or the service stopped while a worker waited."""


@dataclass
class Pipeline:
    """One pipeline (a WS-Man command): its psrpcore state, worker and stop request."""

    id: uuid.UUID
    command_id: str
    core: psrpcore.ServerPipeline
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    finished: bool = False


class Pool:
    """One runspace pool: psrpcore state, interpreter session, and the queues to the client."""

    def __init__(
        self,
        shell_id: str,
        owner: str,
        hostname: str,
        stopping: threading.Event,
        thread_prefix: str,
    ) -> None:
        self.thread_prefix = thread_prefix
        self.shell_id = shell_id
        self.owner = owner
        self.core = psrpcore.ServerRunspacePool()
        self.session = Session(hostname=hostname, user=owner)
        self.cond = threading.Condition(threading.RLock())
        self.runspace = threading.Lock()  # max_runspaces=1 semantics: one pipeline runs at a time
        self.outgoing: dict[uuid.UUID | None, deque[bytes]] = {}
        self.pending_bytes: dict[uuid.UUID | None, int] = {}
        self.pipelines: dict[uuid.UUID, Pipeline] = {}
        self.host_responses: dict[int, tuple[object, object]] = {}
        self.closed = False
        self.service_stopping = stopping

    # data in and out (call with self.cond held)

    def feed(self, data: bytes, stream: psrpcore.StreamType, pipeline_id: uuid.UUID | None) -> None:
        self.core.receive_data(psrpcore.PSRPPayload(data, stream, pipeline_id))
        while True:
            event = self.core.next_event()
            if event is None:
                break
            self._on_event(event)
        self.collect()

    def _on_event(self, event: psrpcore.PSRPEvent[Any, Any]) -> None:
        if isinstance(event, psrpcore.CreatePipelineEvent):
            pipeline = self.pipelines.get(event.pipeline_id)
            if pipeline is not None and pipeline.thread is None:
                self._start(pipeline)
        elif isinstance(
            event, psrpcore.PipelineHostResponseEvent | psrpcore.RunspacePoolHostResponseEvent
        ):
            self.host_responses[event.ci] = (event.result, event.error)
            self.cond.notify_all()
        elif isinstance(event, psrpcore.SetMaxRunspacesEvent | psrpcore.SetMinRunspacesEvent):
            self.core.runspace_availability_response(event.ci, True)
        elif isinstance(event, psrpcore.GetAvailableRunspacesEvent):
            busy = any(not p.finished for p in self.pipelines.values())
            self.core.runspace_availability_response(
                event.ci, max(0, self.core.max_runspaces - int(busy))
            )
        elif isinstance(event, psrpcore.ResetRunspaceStateEvent):
            self.session = Session(hostname=self.session.hostname, user=self.owner)
            self.core.runspace_availability_response(event.ci, True)

    def collect(self) -> None:
        """Move psrpcore's outgoing fragments to the per-target queues."""
        while True:
            payload = self.core.data_to_send(FRAGMENT_SIZE)
            if payload is None:
                break
            self.outgoing.setdefault(payload.pipeline_id, deque()).append(payload.data)
            target = payload.pipeline_id
            self.pending_bytes[target] = self.pending_bytes.get(target, 0) + len(payload.data)
        self.cond.notify_all()

    def take(self, target: uuid.UUID | None, budget: int) -> list[bytes]:
        queue = self.outgoing.get(target)
        taken: list[bytes] = []
        used = 0
        while queue and (not taken or used + len(queue[0]) <= budget):
            data = queue.popleft()
            taken.append(data)
            used += len(data)
        if taken:
            self.pending_bytes[target] = self.pending_bytes.get(target, 0) - used
            self.cond.notify_all()
        return taken

    # pipelines

    def _start(self, pipeline: Pipeline) -> None:
        pipeline.thread = threading.Thread(
            target=self._run,
            args=(pipeline,),
            name=f"{self.thread_prefix}-pipeline-{pipeline.id}",
            daemon=True,
        )
        pipeline.thread.start()

    def _run(self, pipeline: Pipeline) -> None:
        host = _PipelineHost(self, pipeline)
        try:
            while not self.runspace.acquire(timeout=0.2):
                with self.cond:
                    self.check_alive(pipeline)  # queued behind another pipeline
            try:
                with self.cond:
                    self.check_alive(pipeline)
                    pipeline.core.start()
                    self.collect()
                metadata = pipeline.core.metadata
                commands = list(metadata.commands) if metadata is not None else []
                _run_statements(self.session, host, commands)
            finally:
                self.runspace.release()
            with self.cond:
                pipeline.core.complete()
        except Stopped:
            with self.cond:
                if pipeline.core.state == PSInvocationState.NotStarted:
                    pipeline.core.start()  # stopped while queued: report Stopped all the same
                if pipeline.core.state in (PSInvocationState.Running, PSInvocationState.Stopping):
                    pipeline.core.stop()
        except _PoolGone:
            pass
        except Exception as exc:  # a bug in the fake: fail visibly instead of hanging the client
            log.exception("loopback WinRM pipeline %s crashed", pipeline.id)
            with self.cond:
                if pipeline.core.state == PSInvocationState.Running:
                    pipeline.core.write_error(
                        NETException(Message=f"loopback WinRM server bug: {exc!r}"),
                        fully_qualified_error_id="LoopbackServerBug",
                    )
                    pipeline.core.complete()
        finally:
            with self.cond:
                pipeline.finished = True
                if not self.closed:
                    self.collect()
                self.cond.notify_all()

    def wait_host_response(self, ci: int, pipeline: Pipeline) -> tuple[object, object]:
        with self.cond:
            while ci not in self.host_responses:
                self.check_alive(pipeline)
                self.cond.wait(0.5)
            return self.host_responses.pop(ci)

    def check_alive(self, pipeline: Pipeline) -> None:
        if self.closed or self.service_stopping.is_set():
            raise _PoolGone
        if pipeline.stop.is_set():
            raise Stopped

    def shutdown(self) -> None:
        """Stop every pipeline and wait for its worker (pool closed or service stopped)."""
        with self.cond:
            self.closed = True
            for pipeline in self.pipelines.values():
                pipeline.stop.set()
            self.cond.notify_all()
        for pipeline in list(self.pipelines.values()):
            if pipeline.thread is not None:
                pipeline.thread.join(JOIN_TIMEOUT)


def _run_statements(session: Session, host: _PipelineHost, commands: list[Any]) -> None:
    """Run the pipeline's statements: each a script or command, piped into the next ones."""
    statement: list[Any] = []
    for command in commands:
        statement.append(command)
        if command.end_of_statement:
            _run_statement(session, host, statement)
            statement = []
    if statement:
        _run_statement(session, host, statement)


def _run_statement(session: Session, host: _PipelineHost, statement: list[Any]) -> None:
    """One statement: a script or command, its output streamed through the commands after it."""
    first, rest = statement[0], statement[1:]
    downstream = [(str(c.command_text), list(c.parameters)) for c in rest]

    def produce(sink: Callable[[object], None]) -> None:
        if first.is_script:
            session.run(str(first.command_text), _Redirected(host, sink))
        else:
            session.call(str(first.command_text), list(first.parameters), host, sink)

    session.pipeline(produce, downstream, host)


class _PipelineHost:
    """powershell.Host for a PSRP pipeline: streams become PSRP messages, prompts host calls."""

    def __init__(self, pool: Pool, pipeline: Pipeline) -> None:
        self._pool = pool
        self._pipeline = pipeline
        self._requestor = psrpcore.ServerHostRequestor(pipeline.core)

    def check(self) -> None:
        with self._pool.cond:
            self._pool.check_alive(self._pipeline)

    def _write(self, action: Callable[[psrpcore.ServerPipeline], None]) -> None:
        pool = self._pool
        with pool.cond:
            pool.check_alive(self._pipeline)
            action(self._pipeline.core)
            pool.collect()
            while pool.pending_bytes.get(self._pipeline.id, 0) > PENDING_LIMIT:
                pool.cond.wait(0.5)
                pool.check_alive(self._pipeline)

    def output(self, value: object) -> None:
        self._write(lambda p: p.write_output(_to_ps(value)))

    def error(self, error: ErrorInfo) -> None:
        exception = NETException(Message=error.message)
        exception.PSObject.type_names = [
            error.exception_type,
            "System.SystemException",
            "System.Exception",
            "System.Object",
        ]
        reason = error.exception_type.rsplit(".", 1)[-1]
        category = ErrorCategoryInfo(
            Category=getattr(ErrorCategory, error.category, ErrorCategory.NotSpecified),
            Activity=error.category_activity(),
            Reason=reason,
            TargetName=_text(error.target),
            TargetType="String" if error.target is not None else "",
        )
        self._write(
            lambda p: p.write_error(
                exception,
                category_info=category,
                target_object=error.target,
                fully_qualified_error_id=error.error_id,
            )
        )

    def warning(self, text: str) -> None:
        self._write(lambda p: p.write_warning(text))

    def verbose(self, text: str) -> None:
        self._write(lambda p: p.write_verbose(text))

    def debug(self, text: str) -> None:
        self._write(lambda p: p.write_debug(text))

    def information(self, value: object, tags: list[str]) -> None:
        self._write(
            lambda p: p.write_information(
                _to_ps(value), "Write-Information", tags=tags, computer=self._pool.session.hostname
            )
        )

    def write_host(
        self, text: str, newline: bool, foreground: str | None, background: str | None
    ) -> None:
        """As PowerShell 5.1: a host UI call, and an InformationRecord tagged PSHOST."""
        fg = ConsoleColor[foreground] if foreground else None
        bg = ConsoleColor[background] if background else None
        if self._has_ui():
            if newline:
                self._write(lambda p: self._requestor.write_line(text, fg, bg))
            else:
                self._write(lambda p: self._requestor.write(text, fg, bg))
        message = Record(
            ("System.Management.Automation.HostInformationMessage", "System.Object"),
            {
                "Message": text,
                "NoNewLine": not newline,
                "ForegroundColor": foreground,
                "BackgroundColor": background,
            },
            text,
        )
        self._write(
            lambda p: p.write_information(
                _to_ps(message), "Write-Host", tags=["PSHOST"], computer=self._pool.session.hostname
            )
        )

    def progress(
        self, activity: str, status: str, percent: int, activity_id: int, completed: bool
    ) -> None:
        kind = ProgressRecordType.Completed if completed else ProgressRecordType.Processing
        self._write(
            lambda p: p.write_progress(
                activity, activity_id, status, percent_complete=percent, record_type=kind
            )
        )

    def _has_ui(self) -> bool:
        metadata = self._pipeline.core.metadata
        info = getattr(metadata, "host", None)
        if info is not None and getattr(info, "UseRunspaceHost", True) is False:
            return not (info.IsHostNull or info.IsHostUINull)
        pool_host = self._pool.core.host
        return pool_host is not None and not (pool_host.IsHostNull or pool_host.IsHostUINull)

    def _call(self, request: Callable[[], int]) -> object:
        if not self._has_ui():
            raise NonInteractive
        with self._pool.cond:
            self._pool.check_alive(self._pipeline)
            ci = request()
            self._pool.collect()
        result, error = self._pool.wait_host_response(ci, self._pipeline)
        if error is not None:
            raise NonInteractive
        return result

    def read_line(self, prompt: str | None) -> str:
        if prompt is None:
            return _text(self._call(self._requestor.read_line))
        field_ = FieldDescription(Name=prompt, Label="", ParameterTypeName="String")
        field_.ParameterTypeFullName = "System.String"
        answer = self._call(lambda: self._requestor.prompt("", "", [field_]))
        if isinstance(answer, dict):
            return _text(answer.get(prompt, next(iter(answer.values()), "")))
        return _text(answer)

    def prompt_for_credential(self, caption: str, message: str, user: str) -> object:
        return self._call(lambda: self._requestor.prompt_for_credential(caption, message, user, ""))

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._pool.cond:
            while True:
                self._pool.check_alive(self._pipeline)
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._pool.cond.wait(min(left, 0.5))


class _Redirected(_PipelineHost):
    """The Host of a script whose output goes to the next command of the statement."""

    def __init__(self, inner: _PipelineHost, sink: Callable[[object], None]) -> None:
        super().__init__(inner._pool, inner._pipeline)
        self._sink = sink

    def output(self, value: object) -> None:
        self.check()
        self._sink(value)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _to_ps(value: object) -> object:
    """Interpreter values as psrpcore objects (Records become typed PSObjects)."""
    if isinstance(value, Record):
        obj = PSCustomObject(**{k: _to_ps(v) for k, v in value.properties.items()})
        obj.PSObject.type_names = list(value.type_names)
        obj.PSObject.to_string = value.text
        return obj
    if isinstance(value, list):
        return [_to_ps(v) for v in value]
    return value
