"""WS-Management SOAP envelopes: parse a request, build a response or a fault.

Faults carry the numeric WS-Man codes Windows sends, because the clients branch on
them (pywinrm turns 2150858793 into its operation-timeout retry; the console tells
"shell not found" apart from other faults to decide to reconnect).
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsman": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "wsmv": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "wsmanfault": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "wst": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "pwsh": "http://schemas.microsoft.com/powershell",
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
    "cfg": "http://schemas.microsoft.com/wbem/wsman/1/config",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
for _prefix, _uri in NS.items():
    if _prefix != "xml":
        ET.register_namespace(_prefix, _uri)

ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_GET = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
ACTION_SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
ACTION_RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
ACTION_SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"

DEFAULT_OPERATION_TIMEOUT = 60.0
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def q(prefix: str, local: str) -> str:
    """Clark-notation tag name, e.g. q("rsp", "Shell")."""
    return f"{{{NS[prefix]}}}{local}"


def parse_duration(text: str | None, default: float = DEFAULT_OPERATION_TIMEOUT) -> float:
    """Seconds in an xs:duration such as PT20S or PT1M30.500S; default when absent or odd."""
    if not text:
        return default
    match = _DURATION.match(text.strip())
    if match is None:
        return default
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


@dataclass(frozen=True)
class WSManRequest:
    """The parts of a WS-Man request envelope the resources act on."""

    action: str
    resource_uri: str
    message_id: str
    operation_timeout: float
    max_envelope_size: int
    selectors: dict[str, str]
    options: dict[str, str]
    body: ET.Element


class WSManFault(Exception):
    """A fault the service answers with (HTTP 500 and a SOAP Fault body)."""

    def __init__(
        self,
        *,
        code: int,
        subcode: str,
        reason: str,
        message: str | None = None,
        sender: bool = True,
    ) -> None:
        super().__init__(message or reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.message = message or reason
        self.sender = sender


def operation_timed_out() -> WSManFault:
    """The fault a Receive long-poll ends with when no output came in time."""
    return WSManFault(
        code=2150858793,
        subcode="w:TimedOut",
        reason="The WS-Management service cannot complete the operation within the time "
        "specified in OperationTimeout.",
        sender=False,
    )


def shell_not_found(shell_id: str) -> WSManFault:
    """The fault for a ShellId the service does not know (closed, or the service restarted)."""
    return WSManFault(
        code=2150858843,
        subcode="w:InvalidSelectors",
        reason="The WS-Management service cannot process the request because the request "
        "contained invalid selectors for the resource.",
        message=f"The request for the Windows Remote Shell with ShellId {shell_id} failed "
        "because the shell was not found on the server. Possible causes are: the specified "
        "ShellId is incorrect or the shell no longer exists on the server. Provide the "
        "correct ShellId or create a new shell and retry the operation.",
    )


def invalid_command_id(command_id: str) -> WSManFault:
    """The fault for a CommandId that is not running in the shell."""
    return WSManFault(
        code=2150858843,
        subcode="w:InvalidSelectors",
        reason="The WS-Management service cannot process the request because the request "
        "contained invalid selectors for the resource.",
        message=f"The request for the Windows Remote Shell command {command_id} failed "
        "because the command was not found in the shell.",
    )


def unknown_resource(resource_uri: str) -> WSManFault:
    """The fault for a ResourceURI no plug-in serves."""
    return WSManFault(
        code=2150858770,
        subcode="w:DestinationUnreachable",
        reason="The WS-Management service cannot process the request. The resource URI "
        f"{resource_uri} was not found in the WS-Management catalog.",
    )


def unsupported_action(action: str) -> WSManFault:
    """The fault for an Action the resource does not implement."""
    return WSManFault(
        code=2150858754,
        subcode="wsa:ActionNotSupported",
        reason=f"The action {action} is not supported by the service.",
    )


def file_not_found() -> WSManFault:
    """The fault for a WinRS Command whose program does not exist (HRESULT 0x80070002)."""
    return WSManFault(
        code=2147942402,
        subcode="w:InternalError",
        reason="The system cannot find the file specified.",
        sender=False,
    )


def access_denied(message: str) -> WSManFault:
    """The fault for a request the service refuses to act on (e.g. unencrypted over HTTP)."""
    return WSManFault(code=5, subcode="w:AccessDenied", reason="Access is denied.", message=message)


def invalid_request(message: str) -> WSManFault:
    """The fault for an envelope the service cannot read."""
    return WSManFault(
        code=2150858817,
        subcode="w:SchemaValidationError",
        reason="The SOAP XML in the message does not match the corresponding XML schema "
        "definition. Change the XML and retry.",
        message=message,
    )


def parse_request(data: bytes) -> WSManRequest:
    """Read a request envelope; a WSManFault when it is not one."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise invalid_request(f"The request is not well-formed XML: {exc}") from exc
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if root.tag != q("s", "Envelope") or header is None:
        raise invalid_request("The request is not a SOAP 1.2 envelope with a header.")
    if body is None:
        body = ET.Element(q("s", "Body"))

    def text(path: str) -> str:
        node = header.find(path, NS)
        return (node.text or "").strip() if node is not None else ""

    selectors = {
        node.get("Name", ""): (node.text or "").strip()
        for node in header.findall("wsman:SelectorSet/wsman:Selector", NS)
    }
    options = {
        node.get("Name", ""): (node.text or "").strip()
        for node in header.findall("wsman:OptionSet/wsman:Option", NS)
    }
    max_envelope = text("wsman:MaxEnvelopeSize")
    return WSManRequest(
        action=text("wsa:Action"),
        resource_uri=text("wsman:ResourceURI"),
        message_id=text("wsa:MessageID"),
        operation_timeout=parse_duration(text("wsman:OperationTimeout")),
        max_envelope_size=int(max_envelope) if max_envelope.isdigit() else 153600,
        selectors=selectors,
        options=options,
        body=body,
    )


@dataclass
class Envelope:
    """A response under construction: header fields plus body children."""

    action: str
    relates_to: str
    body: list[ET.Element] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        root = ET.Element(q("s", "Envelope"))
        header = ET.SubElement(root, q("s", "Header"))
        ET.SubElement(
            header, q("wsa", "To")
        ).text = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
        ET.SubElement(
            header, q("wsa", "Action"), {q("s", "mustUnderstand"): "true"}
        ).text = self.action
        ET.SubElement(header, q("wsa", "MessageID")).text = f"uuid:{str(uuid.uuid4()).upper()}"
        ET.SubElement(header, q("wsa", "RelatesTo")).text = self.relates_to
        body = ET.SubElement(root, q("s", "Body"))
        body.extend(self.body)
        text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
        return text


def response_action(request_action: str) -> str:
    """The Action of the reply: the request's with "Response" appended, as WS-Transfer does."""
    return request_action + "Response"


def fault_envelope(fault: WSManFault, relates_to: str, machine: str) -> bytes:
    """The SOAP Fault body Windows sends, with the WSManFault detail clients parse."""
    root = ET.Element(q("s", "Envelope"))
    header = ET.SubElement(root, q("s", "Header"))
    ET.SubElement(
        header, q("wsa", "Action")
    ).text = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
    ET.SubElement(header, q("wsa", "MessageID")).text = f"uuid:{str(uuid.uuid4()).upper()}"
    if relates_to:
        ET.SubElement(header, q("wsa", "RelatesTo")).text = relates_to
    body = ET.SubElement(root, q("s", "Body"))
    fault_el = ET.SubElement(body, q("s", "Fault"))
    code = ET.SubElement(fault_el, q("s", "Code"))
    ET.SubElement(code, q("s", "Value")).text = "s:Sender" if fault.sender else "s:Receiver"
    subcode = ET.SubElement(code, q("s", "Subcode"))
    ET.SubElement(subcode, q("s", "Value")).text = fault.subcode
    reason = ET.SubElement(fault_el, q("s", "Reason"))
    ET.SubElement(reason, q("s", "Text"), {q("xml", "lang"): "en-US"}).text = fault.reason
    detail = ET.SubElement(fault_el, q("s", "Detail"))
    wsman_fault = ET.SubElement(
        detail, q("wsmanfault", "WSManFault"), {"Code": str(fault.code), "Machine": machine}
    )
    ET.SubElement(wsman_fault, q("wsmanfault", "Message")).text = fault.message
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    # The fault values are QNames: the prefixes they use must be declared on the envelope.
    return text.replace(
        b"<s:Envelope ",
        b'<s:Envelope xmlns:w="' + NS["wsman"].encode() + b'" ',
        1,
    )
