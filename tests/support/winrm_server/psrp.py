"""The PowerShell resource (…/powershell/Microsoft.PowerShell): runspace pools over WinRS verbs.

The protocol state machines are psrpcore's ServerRunspacePool and ServerPipeline (see
psrp_pool.py); this module moves their fragments in and out of WS-Man messages.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
import xml.etree.ElementTree as ET

import psrpcore
from psrpcore.types import PSInvocationState, RunspacePoolState

from tests.support.winrm_server import soap
from tests.support.winrm_server.psrp_pool import JOIN_TIMEOUT, Pipeline, Pool
from tests.support.winrm_server.soap import NS, WSManRequest, q
from tests.support.winrm_server.winrs import STATE_DONE, STATE_RUNNING, resource_created

RESOURCE_URI = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
# The only code the Windows PowerShell plug-in treats as "stop the pipeline" (sic). Like the
# plug-in, any other code (terminate, or pypsrp 0.9's "powershell/signal/ctrl_c") closes
# the command instead: its worker is stopped and the CommandId forgotten.
SIGNAL_PS_CTRL_C = "powershell/signal/crtl_c"
_ENVELOPE_OVERHEAD = 4096


class PSRPResource:
    """All runspace pools of one service lifetime."""

    def __init__(
        self, hostname: str, stopping: threading.Event, endpoint: str, thread_prefix: str
    ) -> None:
        self._thread_prefix = thread_prefix
        self._hostname = hostname
        self._stopping = stopping
        self._endpoint = endpoint
        self._pools: dict[str, Pool] = {}
        self._lock = threading.Lock()

    def stop(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.shutdown()

    def describe(self, shell_id: str) -> ET.Element | None:
        """The rsp:Shell a WS-Transfer Get answers for this pool, None if unknown."""
        with self._lock:
            pool = self._pools.get(shell_id.upper())
        return None if pool is None else _shell_state(pool.shell_id, pool.owner, RESOURCE_URI)

    def _pool(self, request: WSManRequest) -> Pool:
        shell_id = request.selectors.get("ShellId", "")
        with self._lock:
            pool = self._pools.get(shell_id.upper())
        if pool is None or self._stopping.is_set():
            raise soap.shell_not_found(shell_id)
        return pool

    def handle(self, request: WSManRequest, user: str) -> soap.Envelope:
        reply = soap.Envelope(soap.response_action(request.action), request.message_id)
        action = request.action
        if action == soap.ACTION_CREATE:
            reply.body.extend(self._create(request, user))
        elif action == soap.ACTION_DELETE:
            pool = self._pool(request)
            with self._lock:
                self._pools.pop(pool.shell_id, None)
            pool.shutdown()
        elif action == soap.ACTION_GET:
            pool = self._pool(request)
            reply.body.append(_shell_state(pool.shell_id, pool.owner, RESOURCE_URI))
        elif action == soap.ACTION_COMMAND:
            reply.body.append(self._command(request))
        elif action == soap.ACTION_SEND:
            reply.body.append(self._send(request))
        elif action == soap.ACTION_RECEIVE:
            reply.body.append(self._receive(request))
        elif action == soap.ACTION_SIGNAL:
            reply.body.append(self._signal(request))
        else:
            raise soap.unsupported_action(action)
        return reply

    def _create(self, request: WSManRequest, user: str) -> list[ET.Element]:
        shell = request.body.find("rsp:Shell", NS)
        creation = shell.find("pwsh:creationXml", NS) if shell is not None else None
        if shell is None or creation is None or not creation.text:
            raise soap.invalid_request("A PowerShell shell needs creationXml.")
        shell_id = (shell.get("ShellId") or str(uuid.uuid4())).upper()
        pool = Pool(shell_id, user, self._hostname, self._stopping, self._thread_prefix)
        with pool.cond:
            pool.feed(base64.b64decode(creation.text), psrpcore.StreamType.default, None)
        with self._lock:
            self._pools[shell_id] = pool
        inputs = shell.findtext("rsp:InputStreams", "stdin pr", NS) or "stdin pr"
        outputs = shell.findtext("rsp:OutputStreams", "stdout", NS) or "stdout"
        return resource_created(self._endpoint, RESOURCE_URI, shell_id, user, inputs, outputs)

    def _command(self, request: WSManRequest) -> ET.Element:
        pool = self._pool(request)
        line = request.body.find("rsp:CommandLine", NS)
        if line is None:
            raise soap.invalid_request("Command needs a CommandLine.")
        command_id = (line.get("CommandId") or str(uuid.uuid4())).upper()
        data = base64.b64decode(line.findtext("rsp:Arguments", "", NS) or "")
        with pool.cond:
            if pool.core.state != RunspacePoolState.Opened:
                raise soap.invalid_request("The runspace pool is not open.")
            pipeline_id = uuid.UUID(command_id)
            core = psrpcore.ServerPipeline(pool.core, pipeline_id)
            pool.pipelines[pipeline_id] = Pipeline(pipeline_id, command_id, core)
            pool.feed(data, psrpcore.StreamType.default, pipeline_id)
        response = ET.Element(q("rsp", "CommandResponse"))
        ET.SubElement(response, q("rsp", "CommandId")).text = command_id
        return response

    def _send(self, request: WSManRequest) -> ET.Element:
        pool = self._pool(request)
        with pool.cond:
            for stream in request.body.findall("rsp:Send/rsp:Stream", NS):
                command_id = stream.get("CommandId")
                pipeline_id = uuid.UUID(command_id) if command_id else None
                if pipeline_id is not None and pipeline_id not in pool.pipelines:
                    raise soap.invalid_command_id(command_id or "")
                kind = (
                    psrpcore.StreamType.prompt_response
                    if stream.get("Name") == "pr"
                    else psrpcore.StreamType.default
                )
                pool.feed(base64.b64decode(stream.text or ""), kind, pipeline_id)
        return ET.Element(q("rsp", "SendResponse"))

    def _signal(self, request: WSManRequest) -> ET.Element:
        pool = self._pool(request)
        signal = request.body.find("rsp:Signal", NS)
        command_id = signal.get("CommandId", "") if signal is not None else ""
        code = (signal.findtext("rsp:Code", "", NS) or "").strip() if signal is not None else ""
        try:
            pipeline_id = uuid.UUID(command_id)
        except ValueError:
            raise soap.invalid_command_id(command_id) from None
        with pool.cond:
            pipeline = pool.pipelines.get(pipeline_id)
            if pipeline is None:
                raise soap.invalid_command_id(command_id)
            pipeline.stop.set()
            closing = code != SIGNAL_PS_CTRL_C
            if closing:
                del pool.pipelines[pipeline_id]
                pool.outgoing.pop(pipeline_id, None)
                pool.pending_bytes.pop(pipeline_id, None)
            pool.cond.notify_all()
        if closing and pipeline.thread is not None:
            pipeline.thread.join(JOIN_TIMEOUT)
        if closing:
            with pool.cond:
                pool.outgoing.pop(pipeline_id, None)
                pool.pending_bytes.pop(pipeline_id, None)
                if pipeline.core.state != PSInvocationState.Running:
                    pipeline.core.close()
        return ET.Element(q("rsp", "SignalResponse"))

    def _receive(self, request: WSManRequest) -> ET.Element:
        pool = self._pool(request)
        desired = request.body.find("rsp:Receive/rsp:DesiredStream", NS)
        command_id = desired.get("CommandId") if desired is not None else None
        target = uuid.UUID(command_id) if command_id else None
        deadline = time.monotonic() + request.operation_timeout
        budget = max(1024, (request.max_envelope_size - _ENVELOPE_OVERHEAD) * 3 // 4)
        with pool.cond:
            while True:
                if pool.closed or self._stopping.is_set():
                    raise soap.shell_not_found(pool.shell_id)
                pipeline = pool.pipelines.get(target) if target is not None else None
                if target is not None and pipeline is None:
                    raise soap.invalid_command_id(command_id or "")
                chunks = pool.take(target, budget)
                done = pipeline is not None and pipeline.finished and not pool.outgoing.get(target)
                if chunks or done:
                    return _receive_response(chunks, command_id, done)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise soap.operation_timed_out()
                pool.cond.wait(min(left, 0.5))


def _receive_response(chunks: list[bytes], command_id: str | None, done: bool) -> ET.Element:
    response = ET.Element(q("rsp", "ReceiveResponse"))
    attrs = {"Name": "stdout"}
    if command_id:
        attrs["CommandId"] = command_id
    for data in chunks:
        ET.SubElement(response, q("rsp", "Stream"), attrs).text = base64.b64encode(data).decode()
    if command_id:
        state = ET.SubElement(
            response,
            q("rsp", "CommandState"),
            {"CommandId": command_id, "State": STATE_DONE if done else STATE_RUNNING},
        )
        if done:
            ET.SubElement(state, q("rsp", "ExitCode")).text = "0"
    return response


def _shell_state(shell_id: str, owner: str, resource_uri: str) -> ET.Element:
    shell = ET.Element(q("rsp", "Shell"))
    for name, value in (
        ("ShellId", shell_id),
        ("Name", "Runspace1"),
        ("ResourceUri", resource_uri),
        ("Owner", owner),
        ("ClientIP", "127.0.0.1"),
        ("IdleTimeOut", "PT7200.000S"),
        ("InputStreams", "stdin pr"),
        ("OutputStreams", "stdout"),
        ("State", "Connected"),
    ):
        ET.SubElement(shell, q("rsp", name)).text = value
    return shell
