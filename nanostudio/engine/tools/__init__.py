"""One module per external tool: pure argv builders and pure progress parsers.

Nothing here runs a process; steps pass the argv to ``StepContext.run_tool``
and the parser as its ``progress``. Tests check both against recorded output.
"""
