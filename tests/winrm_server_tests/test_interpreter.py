"""The PowerShell subset on its own: parsing and semantics, without a socket."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.winrm_server.powershell import ErrorInfo, NonInteractive, Record, Session


class _Recorder:
    """A Host that keeps everything it is given."""

    def __init__(self) -> None:
        self.out: list[object] = []
        self.errors: list[ErrorInfo] = []
        self.other: list[tuple[str, object]] = []
        self.slept = 0.0

    def output(self, value: object) -> None:
        self.out.append(value)

    def error(self, error: ErrorInfo) -> None:
        self.errors.append(error)

    def warning(self, text: str) -> None:
        self.other.append(("warning", text))

    def verbose(self, text: str) -> None:
        self.other.append(("verbose", text))

    def debug(self, text: str) -> None:
        self.other.append(("debug", text))

    def information(self, value: object, tags: list[str]) -> None:
        self.other.append(("information", (value, tags)))

    def write_host(
        self, text: str, newline: bool, foreground: str | None, background: str | None
    ) -> None:
        self.other.append(("host", (text, newline, foreground)))

    def progress(
        self, activity: str, status: str, percent: int, activity_id: int, completed: bool
    ) -> None:
        self.other.append(("progress", (activity, status, percent, completed)))

    def read_line(self, prompt: str | None) -> str:
        self.other.append(("read", prompt))
        return "answer"

    def prompt_for_credential(self, caption: str, message: str, user: str) -> object:
        raise NonInteractive

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


def _run(script: str, session: Session | None = None) -> _Recorder:
    host = _Recorder()
    (session or Session(hostname="NANO1", user="Administrator")).run(script, host)
    return host


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("$x = 5; $x", [5]),
        ("$x = 2\n$x + 3", [5]),
        ("'it''s'", ["it's"]),
        ('$n = 3; "n is $n"', ["n is 3"]),
        ("1..3", [1, 2, 3]),
        ("3..1", [3, 2, 1]),
        ("Write-Output a b", ["a", "b"]),
        ("echo hi # comment", ["hi"]),
        ("1..10 | Select-Object -First 2", [1, 2]),
        ("1..2 | Out-String", ["1\r\n2\r\n"]),
        ("1..3 | Out-String -Stream", ["1", "2", "3"]),
        ("'a', 'b' | Write-Output | Out-Null", []),
        ("$env:COMPUTERNAME; hostname", ["NANO1", "NANO1"]),
        ("cd ..; prompt", ["PS C:\\Users\\Administrator> "]),
        ("cd \\; cd Windows\\System32; prompt", ["PS C:\\Windows\\System32> "]),
        ("Read-Host 'Name'", ["answer"]),
        ("$a = 1..4; $a.Count; 'abc'.Length", [4, 3]),
        (
            "$p = Get-Location; $p.Path; (Get-Location).Drive",
            ["C:\\Users\\Administrator\\Documents", "C"],
        ),
        ("$s = 'abc'; $s.Length; $none.Count", [3, 0]),
        ("$VerbosePreference = 'Continue'; Write-Verbose v", []),
    ],
)
def test_outputs(script: str, expected: list[object]) -> None:
    host = _run(script)
    assert host.errors == []
    assert host.out == expected


def test_variables_live_in_the_session() -> None:
    session = Session(hostname="NANO1", user="Administrator")
    _run("$kept = 'yes'; cd C:\\Windows", session)
    assert _run("$KEPT; Get-Location", session).out[0] == "yes"
    location = _run("Get-Location", session).out[0]
    assert isinstance(location, Record) and str(location) == "C:\\Windows"


def test_streams_and_switches() -> None:
    host = _run(
        "Write-Warning w; Write-Verbose v; Write-Verbose v2 -Verbose; Write-Debug d -Debug;"
        " Write-Information i -Tags t; Write-Host -NoNewline h -ForegroundColor red;"
        " Write-Progress -Activity A -Status S -PercentComplete 5 -Completed"
    )
    assert host.other == [
        ("warning", "w"),
        ("verbose", "v2"),
        ("debug", "d"),
        ("information", ("i", ["t"])),
        ("host", ("h", False, "Red")),
        ("progress", ("A", "S", 5, True)),
    ]


def test_errors_abandon_the_statement_only() -> None:
    host = _run("Get-Nope x; cd C:\\missing; Get-Location -Bogus; 'after'")
    assert [e.error_id for e in host.errors] == [
        "CommandNotFoundException",
        "PathNotFound,Microsoft.PowerShell.Commands.SetLocationCommand",
        "NamedParameterNotFound,Get-Location",
    ]
    assert host.errors[1].message == "Cannot find path 'C:\\missing' because it does not exist."
    assert host.out == ["after"]


def test_exit_and_sleep() -> None:
    session = Session(hostname="NANO1", user="Administrator")
    host = _Recorder()
    assert session.run("Start-Sleep 2; sleep -Milliseconds 500; exit 4; 'never'", host) == 4
    assert host.slept == 2.5 and host.out == []
    assert _run("$LASTEXITCODE", session).out == [4]


def test_prompt_without_a_user_is_an_error() -> None:
    host = _run("Get-Credential")
    assert "NonInteractive mode" in host.errors[0].message


def test_tab_expansion() -> None:
    [completion] = _run("TabExpansion2 -inputScript 'cd; Get-Lo' -cursorColumn 10").out
    assert isinstance(completion, Record)
    assert completion.properties["ReplacementIndex"] == 4
    matches = completion.properties["CompletionMatches"]
    assert isinstance(matches, list)
    assert [m.properties["CompletionText"] for m in matches] == ["Get-Location"]


def test_directory_listing_and_commands() -> None:
    assert [str(d) for d in _run("dir C:\\").out] == [
        "Program Files",
        "ProgramData",
        "Users",
        "Windows",
    ]
    assert "Get-ChildItem" in [str(c) for c in _run("Get-Command Get-*").out]
    completion = _run("TabExpansion2 -inputScript 'Get-Ch' -cursorColumn 6").out[0]
    assert isinstance(completion, Record)
    matches = completion.properties["CompletionMatches"]
    assert isinstance(matches, list)
    assert [m.properties["CompletionText"] for m in matches] == ["Get-ChildItem"]


def test_big_output_size() -> None:
    lines = _run("Get-BigOutput -MB 0.25 -LineLength 100").out
    assert sum(len(str(line)) + 2 for line in lines) == 256 * 1024
    assert all(len(str(line)) <= 100 for line in lines)


def test_out_string_stream_passes_each_item_on_at_once() -> None:
    session = Session(hostname="NANO1", user="Administrator")
    host = _Recorder()
    seen: list[list[object]] = []

    def producer(sink: Callable[[object], None]) -> None:
        sink("a")
        seen.append(list(host.out))
        sink("b\nc")
        sink(Record(("T",), {}, "line 1\r\nline 2"))

    session.pipeline(producer, [("Out-String", [("Stream", True)])], host)
    assert seen == [["a"]]
    assert host.out == ["a", "b\nc", "line 1", "line 2"]


def test_unknown_downstream_command_runs_nothing() -> None:
    ran: list[bool] = []
    host = _Recorder()
    Session(hostname="NANO1", user="Administrator").pipeline(
        lambda sink: ran.append(True), [("Out-Nowhere", [])], host
    )
    assert ran == [] and host.errors[0].error_id == "CommandNotFoundException"


def test_parse_errors_are_error_records() -> None:
    host = _run("Write-Output (1")
    assert host.errors[0].exception_type == "System.Management.Automation.ParseException"
