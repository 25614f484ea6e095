"""``nanostudio exec``: output as it arrives, Ctrl+C that stops the remote command, and a
dropped connection called by its name (issue 12 §4), against the loopback server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import pytest
import requests

from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.exec import SIGNAL_CTRL_C, SIGNAL_TERMINATE, StreamDecoder, stream_command
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.remote.transport import translate
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM

SIGNAL_ACTION = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
DELETE_ACTION = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"


def _settings(server: LoopbackWinRM) -> ConnectionSettings:
    return ConnectionSettings(host=server.host, port=server.port, user=ADMIN_USER, timeout_s=5)


def _exec(server: LoopbackWinRM, *command: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nanostudio",
            "exec",
            server.host,
            "--port",
            str(server.port),
            "--timeout",
            "5",
            "--",
            *command,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "NANOSTUDIO_REMOTE_PASSWORD": ADMIN_PASSWORD},
    )


def _signal_codes(server: LoopbackWinRM) -> list[str]:
    codes = []
    for request in server.requests:
        if request.action == SIGNAL_ACTION and request.soap is not None:
            root = ET.fromstring(request.soap)
            codes += [el.text or "" for el in root.iter() if el.tag.endswith("}Code")]
    return codes


def test_output_streams_as_it_arrives(winrm_server: LoopbackWinRM) -> None:
    """``ping -n 4`` answers once a second: the first reply shows ~3 s before the end."""
    process = _exec(winrm_server, "ping", "-n", "4", "127.0.0.1")
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    first_reply = None
    for line in process.stdout:
        assert time.monotonic() < deadline
        if line.startswith("Reply from") and first_reply is None:
            first_reply = time.monotonic()
    process.wait(timeout=30)
    ended = time.monotonic()
    assert process.returncode == 0
    assert first_reply is not None
    assert ended - first_reply > 1.5


def test_ctrl_c_exits_130_stops_the_remote_command_and_deletes_the_shell(
    winrm_server: LoopbackWinRM,
) -> None:
    process = _exec(winrm_server, "ping", "-n", "100000", "127.0.0.1")
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    for line in process.stdout:
        assert time.monotonic() < deadline
        if line.startswith("Reply from"):
            break
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=15)
    elapsed = time.monotonic() - sent
    assert process.returncode == 130, stderr
    assert elapsed < 2.0
    assert "Traceback" not in stderr and "HTTP error" not in stderr and "400" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("error: Interrupted: the command on")
    assert _signal_codes(winrm_server)[:2] == [SIGNAL_CTRL_C, SIGNAL_TERMINATE]
    assert any(r.action == DELETE_ACTION and r.status == 200 for r in winrm_server.requests)
    assert winrm_server.winrs_commands() == {}


def test_dropped_connection_mid_command_is_called_that(winrm_server: LoopbackWinRM) -> None:
    received: list[str] = []
    timer = threading.Timer(1.5, winrm_server.drop_connections)
    timer.start()
    try:
        with pytest.raises(SessionLostError, match="was lost while the command ran") as caught:
            stream_command(
                _settings(winrm_server),
                ADMIN_PASSWORD,
                ["ping", "-n", "30", "127.0.0.1"],
                lambda stream, text: received.append(text),
            )
    finally:
        timer.cancel()
    # Not the old "HTTP error 400" (a bare "400" could be part of the random port number).
    assert "HTTP error" not in str(caught.value)
    assert re.search(r"\b400\b", str(caught.value)) is None
    assert any("Reply from" in text for text in received)
    # The clean-up went over a new connection: nothing is left running on the server.
    assert winrm_server.winrs_commands() == {}


def test_response_cut_short_is_a_lost_connection_not_a_traceback() -> None:
    settings = ConnectionSettings(host="nano1")
    error = requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(5 bytes)")
    translated = translate(error, settings, None)
    assert isinstance(translated, SessionLostError)
    assert "cut off" in str(translated)


def test_server_bytes_in_a_message_are_escaped() -> None:
    settings = ConnectionSettings(host="nano1")
    error = requests.exceptions.ConnectionError("reset \x1b[2J\x1b]0;owned\x07 by peer")
    message = str(translate(error, settings, None))
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b[2J" in message


def test_decoder_keeps_a_character_split_across_chunks() -> None:
    decoder = StreamDecoder()
    data = "Grüße €\r\n".encode()
    assert decoder.decode(data[:3]) + decoder.decode(data[3:], final=True) == "Grüße €\r\n"
    oem = StreamDecoder()
    assert oem.decode(b"caf\x82\r\n", final=True) == "café\r\n"  # cp437 0x82 is é
