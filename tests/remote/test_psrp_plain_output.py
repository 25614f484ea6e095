"""psrp_plain_output against psrpcore itself: the same strings, in the same order.

A psrpcore server pipeline writes the outputs (psrpcore serialises them as PowerShell
would); the fragments it sends are read twice, once by psrpcore alone and once through
``split`` with psrpcore taking the rest, and both readings must agree.
"""

from __future__ import annotations

import uuid
from typing import Any

import psrpcore
import pytest
from psrpcore.types import PSInvocationState, RunspacePoolState

from nanostudio.remote.psrp_plain_output import split

TRICKY = [
    "plain line",
    "",
    "  leading and trailing  ",
    "tab\there",
    "ünïcødé ✓ 𝄞 and 中文",
    "a < b & c > d",
    "quotes ' and \"",
    "_x0041_ is escaped on the wire",
    "_X0041_ too",
    "crlf\r\ninside",
    "cr\ronly",
    "bell\x07 and escape\x1b[31m",
    "]]> in text",
    "x" * 70_000,  # more than one fragment
]


def _pair() -> tuple[psrpcore.ClientRunspacePool, psrpcore.ServerRunspacePool]:
    client = psrpcore.ClientRunspacePool()
    server = psrpcore.ServerRunspacePool()
    client.open()
    _pump(client, server)
    assert client.state == RunspacePoolState.Opened
    return client, server


def _pump(client: psrpcore.ClientRunspacePool, server: psrpcore.ServerRunspacePool) -> None:
    """Client -> server until the server has nothing more to answer, then server -> client."""
    while (payload := client.data_to_send()) is not None:
        server.receive_data(payload)
        while server.next_event() is not None:
            pass
    while (payload := server.data_to_send()) is not None:
        client.receive_data(payload)
        while client.next_event() is not None:
            pass


def _server_fragments(outputs: list[Any]) -> tuple[psrpcore.ClientRunspacePool, uuid.UUID, bytes]:
    """A started pipeline whose server wrote ``outputs`` and completed; its unread bytes."""
    client, server = _pair()
    ps = psrpcore.ClientPowerShell(client)
    ps.add_script("anything")
    ps.start()
    pipeline = psrpcore.ServerPipeline(server, ps.pipeline_id)  # as a WinRS Command creates it
    while (payload := client.data_to_send()) is not None:
        server.receive_data(payload)
        while server.next_event() is not None:
            pass
    pipeline.start()
    for value in outputs:
        pipeline.write_output(value)
    pipeline.write_warning("a warning between the lines")
    pipeline.write_output("after the warning")
    pipeline.complete()
    data = b""
    while (payload := server.data_to_send(4096)) is not None:
        data += payload.data
    return client, ps.pipeline_id, data


def _read_with_psrpcore(client: psrpcore.ClientRunspacePool, data: bytes) -> list[Any]:
    client.receive_data(psrpcore.PSRPPayload(data, psrpcore.StreamType.default, None))
    read: list[Any] = []
    while (event := client.next_event()) is not None:
        if isinstance(event, psrpcore.PipelineOutputEvent):
            read.append(str(event.data))
        elif isinstance(event, psrpcore.WarningRecordEvent):
            read.append(("warning", str(event.record.Message)))
        elif isinstance(event, psrpcore.PipelineStateEvent):
            read.append(("state", event.state))
    return read


def _read_with_split(client: psrpcore.ClientRunspacePool, pid: uuid.UUID, data: bytes) -> list[Any]:
    read: list[Any] = []
    for part in split(data, pid):
        if isinstance(part, str):
            read.append(part)
        else:
            read.extend(_read_with_psrpcore(client, part))
    return read


def test_split_reads_what_psrpcore_reads_in_the_same_order() -> None:
    client, pid, data = _server_fragments(TRICKY)
    expected = _read_with_psrpcore(client, data)
    texts = [item for item in expected if isinstance(item, str)]
    assert texts == [*TRICKY, "after the warning"]  # the corpus went through intact
    assert expected[-1] == ("state", PSInvocationState.Completed)
    client, pid, data = _server_fragments(TRICKY)
    assert _read_with_split(client, pid, data) == expected


def test_plain_lines_are_taken_and_everything_else_is_left_to_psrpcore() -> None:
    _, pid, data = _server_fragments(["one", "a & b", "two"])
    parts = list(split(data, pid))
    texts = [p for p in parts if isinstance(p, str)]
    assert texts == ["one", "two", "after the warning"]
    assert b"".join(p for p in parts if isinstance(p, bytes)) != b""


def test_output_of_another_pipeline_is_left_to_psrpcore() -> None:
    _, _, data = _server_fragments(["one", "two"])
    assert all(isinstance(p, bytes) for p in split(data, uuid.uuid4()))
    assert b"".join(p for p in split(data, uuid.uuid4()) if isinstance(p, bytes)) == data


@pytest.mark.parametrize("cut", [1, 20, 30, 60])
def test_truncated_data_goes_to_psrpcore_unjudged(cut: int) -> None:
    _, pid, data = _server_fragments(["one"])
    head = data[:cut]
    assert b"".join(p for p in split(head, pid) if isinstance(p, bytes)) == head
