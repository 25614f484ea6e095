"""A loopback WinRM service for tests: real HTTP, real auth, real WS-Man, scripted commands.

pywinrm and pypsrp talk to it over a socket on 127.0.0.1 exactly as to Windows.
See LoopbackWinRM for the API; the fault switches are drop_connections(),
drop_next_requests(n), hang(enabled), restart() and replace_certificate().
"""

from tests.winrm_server.server import DEFAULT_USERS, LoopbackWinRM, RecordedRequest, free_port

__all__ = ["DEFAULT_USERS", "LoopbackWinRM", "RecordedRequest", "free_port"]
