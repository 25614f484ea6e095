"""The WinRS shell resource (…/shell/cmd): Create, Command, Send, Receive, Signal, Delete."""

from __future__ import annotations

import base64
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.winrm_server import soap
from tests.support.winrm_server.commands import (
    CmdEnvironment,
    NoSuchProgram,
    Script,
    Step,
    run_command_line,
)
from tests.support.winrm_server.soap import NS, WSManRequest, q

RESOURCE_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
STATE_RUNNING = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"
SIGNAL_CTRL_C = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"
CTRL_C_EXIT_CODE = -1073741510  # STATUS_CONTROL_C_EXIT
_ENVELOPE_OVERHEAD = 4096


@dataclass
class _Command:
    id: str
    script: Script
    started: float
    pending: deque[Step] = field(default_factory=deque)
    interrupted_exit: int | None = None
    stdin: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.pending.extend(self.script.steps)

    def finished(self, now: float) -> bool:
        if self.interrupted_exit is not None:
            return True
        return not self.pending and now >= self.started + self.script.duration

    def next_event(self) -> float:
        """When something new can be reported: the next step or the end."""
        if self.pending:
            return self.started + self.pending[0].at
        return self.started + self.script.duration


@dataclass
class _Shell:
    id: str
    owner: str
    input_streams: str
    output_streams: str
    commands: dict[str, _Command] = field(default_factory=dict)


class WinRSResource:
    """All cmd shells of one service lifetime (a restart makes a new one)."""

    def __init__(
        self,
        environment: Callable[[str], CmdEnvironment],
        stopping: threading.Event,
        endpoint: str,
    ) -> None:
        self._environment = environment
        self._stopping = stopping
        self._endpoint = endpoint
        self._shells: dict[str, _Shell] = {}
        self._changed = threading.Condition()

    def wake(self) -> None:
        """Make waiting Receives look again (stop, restart)."""
        with self._changed:
            self._changed.notify_all()

    def open_commands(self) -> dict[str, list[str]]:
        """Shell id -> ids of its commands not yet terminated."""
        with self._changed:
            return {shell.id: list(shell.commands) for shell in self._shells.values()}

    def describe(self, shell_id: str) -> ET.Element | None:
        """The rsp:Shell a WS-Transfer Get answers for this shell, None if unknown."""
        with self._changed:
            shell = self._shells.get(shell_id)
            if shell is None:
                return None
            return resource_created(
                self._endpoint,
                RESOURCE_URI,
                shell.id,
                shell.owner,
                shell.input_streams,
                shell.output_streams,
            )[1]

    def handle(self, request: WSManRequest, user: str) -> soap.Envelope:
        reply = soap.Envelope(soap.response_action(request.action), request.message_id)
        if request.action == soap.ACTION_CREATE:
            reply.body.extend(self._create(request, user))
        elif request.action == soap.ACTION_DELETE:
            with self._changed:
                self._shell(request)
                del self._shells[request.selectors["ShellId"]]
                self._changed.notify_all()
        elif request.action == soap.ACTION_GET:
            with self._changed:
                self._shell(request)
            described = self.describe(request.selectors.get("ShellId", ""))
            if described is None:
                raise soap.shell_not_found(request.selectors.get("ShellId", ""))
            reply.body.append(described)
        elif request.action == soap.ACTION_COMMAND:
            reply.body.append(self._command(request, user))
        elif request.action == soap.ACTION_SEND:
            reply.body.append(self._send(request))
        elif request.action == soap.ACTION_RECEIVE:
            reply.body.append(self._receive(request))
        elif request.action == soap.ACTION_SIGNAL:
            reply.body.append(self._signal(request))
        else:
            raise soap.unsupported_action(request.action)
        return reply

    def _shell(self, request: WSManRequest) -> _Shell:
        shell_id = request.selectors.get("ShellId", "")
        shell = self._shells.get(shell_id)
        if shell is None:
            raise soap.shell_not_found(shell_id)
        return shell

    def _create(self, request: WSManRequest, user: str) -> list[ET.Element]:
        shell_el = request.body.find("rsp:Shell", NS)
        inputs = (
            shell_el.findtext("rsp:InputStreams", "stdin", NS) if shell_el is not None else "stdin"
        )
        outputs = (
            shell_el.findtext("rsp:OutputStreams", "stdout stderr", NS)
            if shell_el is not None
            else "stdout stderr"
        )
        shell = _Shell(str(uuid.uuid4()).upper(), user, inputs or "stdin", outputs or "")
        with self._changed:
            self._shells[shell.id] = shell
        return resource_created(self._endpoint, RESOURCE_URI, shell.id, user, inputs, outputs)

    def _command(self, request: WSManRequest, user: str) -> ET.Element:
        line = request.body.find("rsp:CommandLine", NS)
        if line is None:
            raise soap.invalid_request("Command needs a CommandLine.")
        executable = (line.findtext("rsp:Command", "", NS) or "").strip()
        arguments = [a.text or "" for a in line.findall("rsp:Arguments", NS)]
        command_id = line.get("CommandId") or str(uuid.uuid4()).upper()
        with self._changed:
            shell = self._shell(request)
        skip_cmd = request.options.get("WINRS_SKIP_CMD_SHELL", "FALSE").upper() == "TRUE"
        try:
            script = run_command_line(
                executable, arguments, self._environment(user), skip_cmd_shell=skip_cmd
            )
        except NoSuchProgram:
            raise soap.file_not_found() from None
        with self._changed:
            shell.commands[command_id] = _Command(command_id, script, time.monotonic())
            self._changed.notify_all()
        response = ET.Element(q("rsp", "CommandResponse"))
        ET.SubElement(response, q("rsp", "CommandId")).text = command_id
        return response

    def _send(self, request: WSManRequest) -> ET.Element:
        with self._changed:
            shell = self._shell(request)
            for stream in request.body.findall("rsp:Send/rsp:Stream", NS):
                command = shell.commands.get(stream.get("CommandId", ""))
                if command is None:
                    raise soap.invalid_command_id(stream.get("CommandId", ""))
                command.stdin.extend(base64.b64decode(stream.text or ""))
        return ET.Element(q("rsp", "SendResponse"))

    def _signal(self, request: WSManRequest) -> ET.Element:
        signal = request.body.find("rsp:Signal", NS)
        command_id = signal.get("CommandId", "") if signal is not None else ""
        code = (signal.findtext("rsp:Code", "", NS) or "").strip() if signal is not None else ""
        with self._changed:
            shell = self._shell(request)
            command = shell.commands.get(command_id)
            if command is None:
                raise soap.invalid_command_id(command_id)
            if code == SIGNAL_TERMINATE:
                del shell.commands[command_id]
            elif code == SIGNAL_CTRL_C:
                command.interrupted_exit = CTRL_C_EXIT_CODE
            else:
                raise soap.invalid_request(f"Unknown signal code {code}.")
            self._changed.notify_all()
        return ET.Element(q("rsp", "SignalResponse"))

    def _receive(self, request: WSManRequest) -> ET.Element:
        desired = request.body.find("rsp:Receive/rsp:DesiredStream", NS)
        command_id = desired.get("CommandId", "") if desired is not None else ""
        deadline = time.monotonic() + request.operation_timeout
        budget = max(1024, (request.max_envelope_size - _ENVELOPE_OVERHEAD) * 3 // 4)
        with self._changed:
            while True:
                if self._stopping.is_set():
                    raise soap.shell_not_found(request.selectors.get("ShellId", ""))
                shell = self._shell(request)
                command = shell.commands.get(command_id)
                if command is None:
                    raise soap.invalid_command_id(command_id)
                now = time.monotonic()
                response = _take_output(command, now, budget)
                if response is not None:
                    return response
                if now >= deadline:
                    raise soap.operation_timed_out()
                self._changed.wait(max(0.0, min(deadline, command.next_event()) - now))


def _take_output(command: _Command, now: float, budget: int) -> ET.Element | None:
    """A ReceiveResponse with the due output (at most `budget` bytes), or None if nothing new."""
    chunks: list[tuple[str, bytes]] = []
    used = 0
    while command.interrupted_exit is None and command.pending:
        step = command.pending[0]
        if command.started + step.at > now or (chunks and used + len(step.data) > budget):
            break
        if len(step.data) > budget - used:
            chunks.append((step.stream, step.data[: budget - used]))
            command.pending[0] = Step(step.at, step.stream, step.data[budget - used :])
            break
        chunks.append((step.stream, step.data))
        used += len(step.data)
        command.pending.popleft()
    done = command.finished(now)
    if not chunks and not done:
        return None
    response = ET.Element(q("rsp", "ReceiveResponse"))
    for stream, data in chunks:
        el = ET.SubElement(response, q("rsp", "Stream"), {"Name": stream, "CommandId": command.id})
        el.text = base64.b64encode(data).decode("ascii")
    if done:
        for stream in ("stdout", "stderr"):
            ET.SubElement(
                response,
                q("rsp", "Stream"),
                {"Name": stream, "CommandId": command.id, "End": "true"},
            )
    state = ET.SubElement(
        response,
        q("rsp", "CommandState"),
        {"CommandId": command.id, "State": STATE_DONE if done else STATE_RUNNING},
    )
    if done:
        exit_code = command.interrupted_exit
        ET.SubElement(state, q("rsp", "ExitCode")).text = str(
            command.script.exit_code if exit_code is None else exit_code
        )
    return response


def resource_created(
    endpoint: str,
    resource_uri: str,
    shell_id: str,
    owner: str,
    input_streams: str,
    output_streams: str,
) -> list[ET.Element]:
    """The body of a Create response: the new shell's address and its description."""
    created = ET.Element(q("wst", "ResourceCreated"))
    ET.SubElement(created, q("wsa", "Address")).text = endpoint
    params = ET.SubElement(created, q("wsa", "ReferenceParameters"))
    ET.SubElement(params, q("wsman", "ResourceURI")).text = resource_uri
    selectors = ET.SubElement(params, q("wsman", "SelectorSet"))
    ET.SubElement(selectors, q("wsman", "Selector"), {"Name": "ShellId"}).text = shell_id
    shell = ET.Element(q("rsp", "Shell"))
    for name, value in (
        ("ShellId", shell_id),
        ("ResourceUri", resource_uri),
        ("Owner", owner),
        ("ClientIP", "127.0.0.1"),
        ("IdleTimeOut", "PT7200.000S"),
        ("InputStreams", input_streams),
        ("OutputStreams", output_streams),
        ("ShellRunTime", "P0DT0H0M0S"),
        ("ShellInactivity", "P0DT0H0M0S"),
    ):
        ET.SubElement(shell, q("rsp", name)).text = value
    return [created, shell]
