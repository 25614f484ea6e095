"""Small pure pieces: output batching, completion, quoting, parsing, continuation lines."""

from __future__ import annotations

import threading

from nanostudio.cli.terminal import needs_more_input
from nanostudio.gui.console.colours import is_dark, stream_colour
from nanostudio.gui.console.output_buffer import OutputBuffer
from nanostudio.remote.events import Completion, ProgressRecord, PromptReply, Stream, StreamText
from nanostudio.remote.exec import winrs_arguments
from nanostudio.remote.probe import parse_os_build
from nanostudio.remote.psrp_records import output_lines, quote_ps
from nanostudio.remote.psrp_session import PS_STOP_SIGNAL


def test_output_buffer_keeps_order_and_drops_what_scrollback_cannot_hold() -> None:
    buffer = OutputBuffer(scrollback=5)
    for i in range(8):
        buffer.put(StreamText(Stream.OUTPUT, str(i)))
    buffer.put(ProgressRecord("a", "s", 10))
    batch = buffer.take(3)
    assert [line.text for line in batch.lines] == ["3", "4", "5"]
    assert batch.skipped == 3
    assert batch.progress == [ProgressRecord("a", "s", 10)]
    rest = buffer.take(100)
    assert [line.text for line in rest.lines] == ["6", "7"]
    assert rest.skipped == 0 and not rest.progress
    assert len(buffer) == 0


def test_output_buffer_is_safe_across_threads() -> None:
    buffer = OutputBuffer(scrollback=1_000_000)

    def produce() -> None:
        for i in range(20_000):
            buffer.put(StreamText(Stream.OUTPUT, str(i)))

    threads = [threading.Thread(target=produce) for _ in range(2)]
    for thread in threads:
        thread.start()
    taken = 0
    while any(t.is_alive() for t in threads) or len(buffer):
        taken += len(buffer.take(1000).lines)
    assert taken == 40_000


def test_colours_distinct_and_readable_per_palette() -> None:
    assert is_dark(30) and not is_dark(240)
    for dark in (False, True):
        colours = [stream_colour(s, dark) for s in Stream]
        assert stream_colour(Stream.OUTPUT, dark) is None
        named = [c for c in colours if c is not None]
        assert len(set(named)) == len(named) == 5
    assert stream_colour(Stream.ERROR, True) != stream_colour(Stream.ERROR, False)


def test_completion_apply_replaces_the_word() -> None:
    completion = Completion(start=4, length=3, matches=("Get-ChildItem", "Get-Content"))
    assert completion.apply("ls; Get", 0) == ("ls; Get-ChildItem", 17)
    assert completion.apply("ls; Get", 3) == ("ls; Get-Content", 15)
    assert Completion(2, 0, ()).apply("ab") == ("ab", 2)


def test_prompt_reply_repr_hides_secrets() -> None:
    reply = PromptReply(values={"Pin": "1234"}, user="u", password="Nano-Pa55word!")
    assert "Nano-Pa55word!" not in repr(reply) and "1234" not in repr(reply)


def test_powershell_quoting_and_output_lines() -> None:
    assert quote_ps("it's") == "'it''s'"
    assert output_lines("a\r\nb") == ["a", "b"]
    assert output_lines(None) == [""]
    assert output_lines(42) == ["42"]


def test_stop_signal_uses_the_spelling_the_windows_plugin_expects() -> None:
    assert PS_STOP_SIGNAL == "powershell/signal/crtl_c"


def test_os_build_parsed_from_ver() -> None:
    assert parse_os_build("\r\nMicrosoft Windows [Version 10.0.14393]\r\n") == "10.0.14393"
    assert parse_os_build("garbage") is None


def test_winrs_arguments_quote_like_windows() -> None:
    assert winrs_arguments(["cmd", "/c", "echo", "a b"]) == ("cmd", ["/c", "echo", '"a b"'])


def test_continuation_lines() -> None:
    assert needs_more_input("if ($x) {")
    assert not needs_more_input("if ($x) { 1 }")
    assert needs_more_input("Get-Item `")
    assert not needs_more_input("'{'")
    assert needs_more_input("'open")
