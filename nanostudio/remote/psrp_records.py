"""What a PowerShell pipeline sends, as the console shows it (error records, output,
progress, tab completions), and text quoted for a PowerShell command line. Pure
functions over the deserialized objects, apart from the session that receives them."""

from __future__ import annotations

from typing import Any

from psrpcore.types import ProgressRecordType

from nanostudio.remote.events import Completion, ProgressRecord
from nanostudio.remote.psrp_host import _prop


def quote_ps(text: str) -> str:
    """A PowerShell single-quoted string literal (only ' needs doubling)."""
    return "'" + text.replace("'", "''").replace("\u2019", "\u2019\u2019") + "'"


def error_text(record: Any) -> list[str]:
    """An ErrorRecord the way PowerShell's console prints it: message, then category."""
    exception = _prop(record, "Exception")
    message = str(record).strip() or str(_prop(exception, "Message", "") or "error")
    lines = message.splitlines() or [message]
    category_info = _prop(record, "CategoryInfo")
    category = str(category_info).strip() if category_info is not None else ""
    fq_error = _prop(record, "FullyQualifiedErrorId")
    if category:
        lines.append(f"    + CategoryInfo          : {category}")
    if fq_error:
        lines.append(f"    + FullyQualifiedErrorId : {fq_error}")
    return lines


def output_lines(value: Any) -> list[str]:
    """Pipeline output: strings when the server formatted them, else each object's ToString.

    ``Out-String -Stream`` sends one line per string; a server that sends a whole block
    ends it with a newline, which is not an extra empty line.
    """
    if value is None:
        return [""]
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    inner = getattr(value, "value", None)
    if isinstance(inner, list):
        return inner
    return [value]


def progress_record(record: Any) -> ProgressRecord:
    percent = record.PercentComplete
    return ProgressRecord(
        activity=str(record.Activity or ""),
        status=str(record.StatusDescription or ""),
        percent=int(percent) if percent is not None and int(percent) >= 0 else None,
        completed=record.RecordType == ProgressRecordType.Completed,
        activity_id=int(record.ActivityId or 0),
    )


def completion_script(line: str, cursor: int) -> str:
    """Tab completion asked of the remote runspace (TabExpansion2), which knows its
    variables and paths."""
    return f"TabExpansion2 -inputScript {quote_ps(line)} -cursorColumn {int(cursor)}"


def completion(result: Any, cursor: int) -> Completion:
    """TabExpansion2's CommandCompletion as the console uses it (None: no answer)."""
    if result is None:
        return Completion(cursor, 0, ())
    matches_obj = _prop(result, "CompletionMatches", []) or []
    matches = tuple(
        str(_prop(m, "CompletionText", m)) for m in _as_list(matches_obj) if m is not None
    )
    start = int(_prop(result, "ReplacementIndex", cursor) or 0)
    length = int(_prop(result, "ReplacementLength", 0) or 0)
    return Completion(start=start, length=length, matches=matches)
