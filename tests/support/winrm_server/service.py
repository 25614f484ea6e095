"""The WinRM service behind the HTTP front: routes each envelope to its resource.

One WinRMService is one lifetime of the service; LoopbackWinRM.restart() replaces it,
which is how "the server forgot every shell and runspace pool" is made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.support.winrm_server import psrp, service_info, soap, winrs
from tests.support.winrm_server.commands import CmdEnvironment

ANY_SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
PRODUCT_VERSION = "OS: 10.0.14393 SP: 0.0 Stack: 3.0"


class WinRMService:
    """Shells and runspace pools of one service lifetime, and the envelope routing."""

    def __init__(
        self,
        hostname: str,
        endpoint: str,
        cmd_environment: Callable[[str], CmdEnvironment],
        thread_prefix: str,
    ) -> None:
        self.hostname = hostname
        self.stopping = threading.Event()
        self.winrs = winrs.WinRSResource(cmd_environment, self.stopping, endpoint)
        self.psrp = psrp.PSRPResource(hostname, self.stopping, endpoint, thread_prefix)

    def stop(self) -> None:
        """Forget everything and end every waiting Receive and pipeline worker."""
        self.stopping.set()
        self.winrs.wake()
        self.psrp.stop()

    def identify(self) -> bytes:
        return service_info.identify_response(PRODUCT_VERSION)

    def handle(self, payload: bytes, user: str, *, refuse: str | None = None) -> tuple[int, bytes]:
        """(HTTP status, SOAP reply) for one request envelope; `refuse` turns it into a fault."""
        relates_to = ""
        try:
            request = soap.parse_request(payload)
            relates_to = request.message_id
            if refuse is not None:
                raise soap.access_denied(refuse)
            return 200, self._route(request, user).to_bytes()
        except soap.WSManFault as fault:
            return 500, soap.fault_envelope(fault, relates_to, self.hostname)

    def _route(self, request: soap.WSManRequest, user: str) -> soap.Envelope:
        uri = request.resource_uri
        if uri == winrs.RESOURCE_URI:
            return self.winrs.handle(request, user)
        if uri == psrp.RESOURCE_URI:
            return self.psrp.handle(request, user)
        if uri == ANY_SHELL_URI and request.action == soap.ACTION_GET:
            return self._describe_shell(request)
        if uri == service_info.CONFIG_URI and request.action == soap.ACTION_GET:
            reply = soap.Envelope(soap.response_action(request.action), request.message_id)
            reply.body.append(service_info.config_element())
            return reply
        raise soap.unknown_resource(uri)

    def _describe_shell(self, request: soap.WSManRequest) -> soap.Envelope:
        """WS-Transfer Get on the generic shell URI: whichever resource owns the ShellId."""
        shell_id = request.selectors.get("ShellId", "")
        shell = None
        if not self.stopping.is_set():
            shell = self.psrp.describe(shell_id) or self.winrs.describe(shell_id)
        if shell is None:
            raise soap.shell_not_found(shell_id)
        reply = soap.Envelope(soap.response_action(request.action), request.message_id)
        reply.body.append(shell)
        return reply
