"""powershell.exe under WinRS: the PowerShell subset run non-interactively, as console text.

WinRS has no host to prompt with, so Read-Host and Get-Credential fail as they do with
-NonInteractive; Start-Sleep becomes a delay before the following output. Output and
Write-Host go to stdout. With -Command, errors go to stderr in the console's format and
warnings, verbose and debug lines to stdout with their "WARNING: " style prefixes. With
-EncodedCommand, powershell.exe serializes those streams as CLIXML on stderr
(`#< CLIXML` then `<Objs>`), which is what pywinrm's run_ps unpicks. The exit code is
`exit N`, else 1 when the last statement failed, else 0.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from tests.support.winrm_server.commands import ENCODING, Script, Step
from tests.support.winrm_server.powershell import ErrorInfo, NonInteractive, Session

_CLIXML_OPEN = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'


def format_error(error: ErrorInfo) -> list[str]:
    """An error record as the console prints it (without the 'At line:' position lines)."""
    target = f"({_text(error.target)}:String)" if error.target is not None else "(:)"
    reason = error.exception_type.rsplit(".", 1)[-1]
    prefix = f"{error.command} : " if error.command else ""
    activity = error.category_activity()
    return [
        f"{prefix}{error.message}",
        f"    + CategoryInfo          : {error.category}: {target} [{activity}], {reason}",
        f"    + FullyQualifiedErrorId : {error.error_id}",
        " ",
    ]


class _ConsoleHost:
    """powershell.Host that turns every stream into timed stdout/stderr steps."""

    def __init__(self, clixml: bool) -> None:
        self.steps: list[Step] = []
        self.clock = 0.0
        self.failed = False
        self._clixml = clixml
        self._records: list[str] = []  # CLIXML elements, written to stderr at exit
        self._progress_ref = 0

    def _add(self, stream: str, text: str) -> None:
        self.steps.append(Step(self.clock, stream, text.encode(ENCODING, errors="replace")))

    def _record(self, element: str) -> None:
        if not self._records:
            self._add("stderr", "#< CLIXML\r\n")
        self._records.append(element)

    def _line(self, kind: str, prefix: str, text: str) -> None:
        if self._clixml:
            self._record(f'<S S="{kind}">{_clixml_text(text)}</S>')
        else:
            self._add("stdout", f"{prefix}{text}\r\n")

    def finish(self) -> None:
        if self._records:
            self._add("stderr", _CLIXML_OPEN + "".join(self._records) + "</Objs>")

    def output(self, value: object) -> None:
        self.failed = False
        self._add("stdout", _text(value) + "\r\n")

    def error(self, error: ErrorInfo) -> None:
        self.failed = True
        lines = format_error(error)
        if self._clixml:
            for line in lines:
                self._record(f'<S S="Error">{_clixml_text(line + chr(13) + chr(10))}</S>')
        else:
            self._add("stderr", "\r\n".join(lines) + "\r\n")

    def warning(self, text: str) -> None:
        self._line("warning", "WARNING: ", text)

    def verbose(self, text: str) -> None:
        self._line("verbose", "VERBOSE: ", text)

    def debug(self, text: str) -> None:
        self._line("debug", "DEBUG: ", text)

    def information(self, value: object, tags: list[str]) -> None:
        return None  # $InformationPreference is SilentlyContinue: recorded, never shown

    def write_host(
        self, text: str, newline: bool, foreground: str | None, background: str | None
    ) -> None:
        self._add("stdout", text + ("\r\n" if newline else ""))

    def progress(
        self, activity: str, status: str, percent: int, activity_id: int, completed: bool
    ) -> None:
        if not self._clixml:
            return  # a console without a window shows no progress bar
        ref = self._progress_ref
        self._progress_ref += 1
        type_names = (
            '<TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
            "<T>System.Object</T></TN>"
            if ref == 0
            else '<TNRef RefId="0" />'
        )
        self._record(
            f'<Obj S="progress" RefId="{ref}">{type_names}<MS><I64 N="SourceId">1</I64>'
            f'<PR N="Record"><AV>{escape(activity)}</AV><AI>{activity_id}</AI><Nil />'
            f"<PI>-1</PI><PC>{percent}</PC><T>{'Completed' if completed else 'Processing'}</T>"
            f"<SR>-1</SR><SD>{escape(status)}</SD></PR></MS></Obj>"
        )

    def read_line(self, prompt: str | None) -> str:
        raise NonInteractive

    def prompt_for_credential(self, caption: str, message: str, user: str) -> object:
        raise NonInteractive

    def sleep(self, seconds: float) -> None:
        self.clock += max(0.0, seconds)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _clixml_text(text: str) -> str:
    """CLIXML string escaping: XML entities, and CR/LF as _x000D_/_x000A_."""
    return escape(text).replace("\r", "_x000D_").replace("\n", "_x000A_")


def run_script(script: str, hostname: str, user: str, *, clixml: bool = False) -> Script:
    """The Script a `powershell -Command` (clixml=False) or -EncodedCommand run produces."""
    host = _ConsoleHost(clixml)
    code = Session(hostname=hostname, user=user).run(script, host)
    host.finish()
    exit_code = code if code is not None else (1 if host.failed else 0)
    return Script(tuple(host.steps), exit_code, duration=host.clock)
