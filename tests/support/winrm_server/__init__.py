"""A loopback WinRM service for tests: real HTTP, real auth, real WS-Man, scripted commands.

pywinrm and pypsrp talk to it over a socket on 127.0.0.1 exactly as to Windows, so the
client code under test runs unchanged. Everything stops with the server: no thread or
socket outlives `stop()` (or the `with` block).

    with LoopbackWinRM() as server:          # or the fixtures winrm_server / winrm_server_tls
        winrm.Session(server.endpoint, auth=(ADMIN_USER, ADMIN_PASSWORD), transport="ntlm")

LoopbackWinRM(*, users=None, hostname="NANO1", tls=False, auth=("basic", "ntlm"), pfx=None)
  pfx=(PKCS#12 bytes, password bytes): with tls, serve that key and certificate
  users       {"Administrator": "Nano-Pa55word!"} by default; names match case-insensitively,
              also as "NANO1\\user" and ".\\user".
  host, port, endpoint   "http(s)://127.0.0.1:PORT/wsman"; the port is free and random.
  cert_pem, thumbprint_sha256, thumbprint_sha1   of the self-signed certificate (TLS only;
              upper-case hex, as Windows shows them). NTLM over TLS checks channel bindings.
  requests    list[RecordedRequest]: method, path, content_type, auth_scheme (the word of
              the Authorization header, never its value), user, encrypted, tls, body (bytes
              on the wire), soap (the envelope after unsealing; None for auth legs), action,
              status. Use it to assert that NTLM over HTTP is always encrypted.
  start(), stop()        what the `with` block calls; stop() joins every thread it started.
  winrs_commands()       {shell id: [command ids not yet terminated]} of the open WinRS
                         shells (empty when every client cleaned up; in-process only).
  live_threads()         names of this server's threads still alive (the fixtures assert
                         that none is left after stop()).

Scripted commands: `server.commands["dism /online /get-packages"] = (stdout, exit code)`
(lower case, single spaces) answers that whole command line (cmd built-ins too).

Faults:
  restart()              same port, every shell and runspace pool forgotten (a VM reboot);
                         old ShellIds then get fault 2150858843 (the NTLM session keys of
                         the old connections are gone too: such clients get HTTP 400).
  drop_connections()     cut every open connection now, including one in a long-poll.
  drop_next_requests(n)  read the next n requests, close their connections unanswered.
  hang(enabled=True)     requests get no reply until hang(False) or stop(); then dropped.
  replace_certificate()  serve a new certificate (TLS only) and drop the connections.
  free_port()            a port nothing listens on ("port closed" tests).
  Bad credentials: HTTP 401 with WWW-Authenticate "Negotiate" and 'Basic realm="WSMAN"'.
  Receive long-poll: no output within the request's OperationTimeout gives the
  w:TimedOut fault 2150858793, which both client libraries retry.

Authentication: Basic on every request; Negotiate/NTLM per connection (pyspnego
acceptor; raw NTLM or SPNEGO tokens). NTLM over HTTP must use MS-WSMV message
encryption: a plain SOAP body on such a connection gets an access-denied fault.
WS-Man Identify is answered (without credentials only with the header
`WSMANIDENTIFY: unauthenticated`), and Get on …/wsman/1/config gives MaxEnvelopeSizekb.

WinRS (…/wsman/1/windows/shell/cmd): Create, Command, Send, Receive, Signal (terminate;
ctrl_c ends the command with exit code -1073741510), Delete, Get. Commands, see
commands.py: hostname, whoami, ver, ipconfig, echo, `cmd /c ...`, `exit N`,
`ping -n N host` (one reply a second, for streaming), `powershell -EncodedCommand B64`
(errors, warnings, verbose, debug and progress as CLIXML on stderr, as powershell.exe
does; pywinrm's run_ps unpicks it) or `-Command text` (console-format text);
anything else: "'x' is not recognized as an internal or external command ..." and 1.
With WINRS_SKIP_CMD_SHELL only programs start (a cmd built-in such as echo gets the
fault 2147942402, "The system cannot find the file specified.").

PowerShell (…/powershell/Microsoft.PowerShell): runspace pools on psrpcore's
ServerRunspacePool with one interpreter Session per pool (so `$x` and `cd` persist);
one pipeline runs at a time. Signal "powershell/signal/crtl_c" (the plug-in's own
spelling) stops the pipeline, which reports Stopped with the PipelineStopped error; any
other signal code closes the command, as the Windows plug-in does (pypsrp 0.9's
PowerShell.stop() sends "powershell/signal/ctrl_c", which therefore closes it).
Host calls: bare `Read-Host` → ReadLine; `Read-Host 'text'` → Prompt with one
FieldDescription named 'text' (as PowerShell does); Get-Credential → PromptForCredential1
(the client must exchange keys first: the PSCredential holds a SecureString); Write-Host
→ WriteLine2/Write1 (WriteLine3/Write2 with colours) plus an InformationRecord tagged
PSHOST (PowerShell sends both; show one). A pool without a host UI gets the
"NonInteractive mode" error instead of a prompt. Statements stream as in PowerShell:
`script | Out-String -Stream` (what a console appends) passes each line on as it is
produced, so output, warnings and errors arrive in the order the script wrote them.
The language subset is listed in powershell/__init__.py; `Get-BigOutput -MB N
[-LineLength L]` makes N MiB of lines quickly (pypsrp itself needs about 1 s per MiB
of 120-character lines to decode them).

LoopbackWinRMProcess has the same API but runs the service in a spawned child process
(start-up about a second), so its CPU work does not compete with the code under test
for the GIL: use it (fixture winrm_server_process) for GUI-stall tests and benchmarks.
There `requests` is a snapshot fetched from the child; clear it with clear_requests().
"""

from tests.support.winrm_server.process import LoopbackWinRMProcess
from tests.support.winrm_server.server import (
    DEFAULT_USERS,
    LoopbackWinRM,
    RecordedRequest,
    free_port,
)

__all__ = ["DEFAULT_USERS", "LoopbackWinRM", "LoopbackWinRMProcess", "RecordedRequest", "free_port"]
