"""psrpcore's PSRP messages carried over pypsrp's public WS-Man calls.

psrpcore keeps the protocol state (runspace pool, pipelines, fragments, session key)
and does no I/O; pypsrp's ``WSMan`` does the HTTP, authentication and message
encryption. This module is the seam between them, in the shape MS-PSRP 3.1.5.3 gives
the WinRS verbs for the PowerShell resource:

- Create: a shell whose ``creationXml`` holds the pool's first fragments;
- Command: a pipeline, its first fragments in ``Arguments``;
- Send: further fragments, on ``stdin`` or ``pr`` (prompt responses);
- Receive: output for the pool or one pipeline, fed back to psrpcore;
- Signal: stop a pipeline; Delete: close the pool.

Only public pypsrp names are used here (``WSMan``'s verb methods, ``OptionSet``,
``SelectorSet``, ``NAMESPACES``, ``CommandState``); a test scans ``nanostudio/`` for private ones.
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import psrpcore
from pypsrp.shell import CommandState
from pypsrp.wsman import NAMESPACES, OptionSet, SelectorSet, WSMan

PS_RESOURCE_URI = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
_RSP = NAMESPACES["rsp"]
_PWSH = NAMESPACES["pwsh"]
# Windows' PowerShell plug-in accepts 500 KiB envelopes from protocol 2.2 (PowerShell 3) on;
# pypsrp's default (150 KiB) is the older limit.
_PROTOCOL_2_2_ENVELOPE = 512000
_DEFAULT_ENVELOPE = 153600


@dataclass(frozen=True)
class Received:
    """One Receive's answer: the PSRP bytes of each stream element, and whether it ended."""

    chunks: list[bytes]
    done: bool


def command_id(pipeline_id: uuid.UUID) -> str:
    """The WS-Man CommandId of a pipeline: its id, as Windows spells GUIDs."""
    return str(pipeline_id).upper()


def shell_selectors(shell_id: str) -> SelectorSet:
    selectors = SelectorSet()
    selectors.add_option("ShellId", shell_id)
    return selectors


def signal_body(command: str, code: str) -> ET.Element:
    body = ET.Element(f"{{{_RSP}}}Signal", attrib={"CommandId": command})
    ET.SubElement(body, f"{{{_RSP}}}Code").text = code
    return body


class PsrpShell:
    """The WS-Man shell of one runspace pool (not thread-safe: one caller at a time)."""

    def __init__(self, wsman: WSMan, pool: psrpcore.ClientRunspacePool) -> None:
        self.wsman = wsman
        self.pool = pool
        self.shell_id = str(pool.runspace_pool_id).upper()
        self.selectors = shell_selectors(self.shell_id)

    # -- verbs ------------------------------------------------------------------------
    def create(self) -> None:
        """Create the shell with the pool's opening messages (call ``pool.open()`` first)."""
        payload = self.pool.data_to_send(self.wsman.max_payload_size)
        if payload is None:
            raise ValueError("the runspace pool has nothing to open with: call open() first")
        shell = ET.Element(f"{{{_RSP}}}Shell", attrib={"ShellId": self.shell_id})
        ET.SubElement(shell, f"{{{_RSP}}}InputStreams").text = "stdin pr"
        ET.SubElement(shell, f"{{{_RSP}}}OutputStreams").text = "stdout"
        creation = ET.SubElement(shell, f"{{{_PWSH}}}creationXml")
        creation.text = base64.b64encode(payload.data).decode()
        options = OptionSet()
        version = str(self.pool.our_capability.protocolversion)
        options.add_option("protocolversion", version, {"MustComply": "true"})
        response = self.wsman.create(PS_RESOURCE_URI, shell, option_set=options)
        created = response.find("wst:ResourceCreated//wsman:Selector[@Name='ShellId']", NAMESPACES)
        if created is not None and created.text:
            self.shell_id = created.text
            self.selectors = shell_selectors(self.shell_id)
        self.send_pending()  # whatever did not fit in creationXml

    def use_large_envelopes(self) -> None:
        """After the pool opened: bigger envelopes when the server's protocol allows them."""
        theirs = self.pool.their_capability
        if (
            theirs is not None
            and theirs.protocolversion >= psrpcore.types.PSVersion("2.2")
            and self.wsman.max_envelope_size == _DEFAULT_ENVELOPE
        ):
            self.wsman.update_max_payload_size(_PROTOCOL_2_2_ENVELOPE)

    def command(self, pipeline: psrpcore.ClientPowerShell) -> None:
        """Create the command for a started pipeline (call ``pipeline.start()`` first)."""
        payload = self.pool.data_to_send(self.wsman.max_payload_size)
        if payload is None or payload.pipeline_id != pipeline.pipeline_id:
            raise ValueError("the pipeline has nothing to create it with: call start() first")
        line = ET.Element(
            f"{{{_RSP}}}CommandLine", attrib={"CommandId": command_id(pipeline.pipeline_id)}
        )
        ET.SubElement(line, f"{{{_RSP}}}Command").text = ""
        ET.SubElement(line, f"{{{_RSP}}}Arguments").text = base64.b64encode(payload.data).decode()
        self.wsman.command(PS_RESOURCE_URI, line, selector_set=self.selectors)
        self.send_pending()

    def send_pending(self) -> None:
        """Send everything psrpcore has queued: input on stdin, host-call answers on pr."""
        while True:
            payload = self.pool.data_to_send(self.wsman.max_payload_size)
            if payload is None:
                return
            name = "pr" if payload.stream_type == psrpcore.StreamType.prompt_response else "stdin"
            attrib = {"Name": name}
            if payload.pipeline_id is not None:
                attrib["CommandId"] = command_id(payload.pipeline_id)
            send = ET.Element(f"{{{_RSP}}}Send")
            ET.SubElement(send, f"{{{_RSP}}}Stream", attrib=attrib).text = base64.b64encode(
                payload.data
            ).decode()
            self.wsman.send(PS_RESOURCE_URI, send, selector_set=self.selectors)

    def receive(self, pipeline_id: uuid.UUID | None, timeout: int) -> Received:
        """One Receive for the pool (``None``) or a pipeline; raises the timeout fault if idle."""
        receive = ET.Element(f"{{{_RSP}}}Receive")
        desired = ET.SubElement(receive, f"{{{_RSP}}}DesiredStream")
        desired.text = "stdout"
        if pipeline_id is not None:
            desired.set("CommandId", command_id(pipeline_id))
        options = OptionSet()
        options.add_option("WSMAN_CMDSHELL_OPTION_KEEPALIVE", "True")
        response = self.wsman.receive(
            PS_RESOURCE_URI,
            receive,
            option_set=options,
            selector_set=self.selectors,
            timeout=timeout,
        )
        chunks = [
            base64.b64decode(stream.text)
            for stream in response.iterfind("rsp:ReceiveResponse/rsp:Stream", NAMESPACES)
            if stream.text
        ]
        state = response.find("rsp:ReceiveResponse/rsp:CommandState", NAMESPACES)
        return Received(chunks, state is not None and state.get("State") == CommandState.DONE)

    def signal(self, pipeline_id: uuid.UUID, code: str) -> None:
        body = signal_body(command_id(pipeline_id), code)
        self.wsman.signal(PS_RESOURCE_URI, body, selector_set=self.selectors)

    def delete(self) -> None:
        self.wsman.delete(PS_RESOURCE_URI, selector_set=self.selectors)
