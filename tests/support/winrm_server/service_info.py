"""What the service says about itself: WS-Man Identify and the config resource.

Identify is how tools check "is WinRM there" (answered without credentials only when the
request carries `WSMANIDENTIFY: unauthenticated`, as Windows does); pypsrp reads
MaxEnvelopeSizekb from the config resource to size its messages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.support.winrm_server.soap import NS, q

CONFIG_URI = "http://schemas.microsoft.com/wbem/wsman/1/config"
MAX_ENVELOPE_KB = 500


def is_identify(soap_body: bytes) -> bool:
    """True for an Identify request (it has no Action header, only a wsmid:Identify body)."""
    try:
        root = ET.fromstring(soap_body)
    except ET.ParseError:
        return False
    return root.find("s:Body/wsmid:Identify", NS) is not None


def identify_response(product_version: str) -> bytes:
    root = ET.Element(q("s", "Envelope"))
    ET.SubElement(root, q("s", "Header"))
    body = ET.SubElement(root, q("s", "Body"))
    response = ET.SubElement(body, q("wsmid", "IdentifyResponse"))
    for name, value in (
        ("ProtocolVersion", "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"),
        ("ProductVendor", "Microsoft Corporation"),
        ("ProductVersion", product_version),
    ):
        ET.SubElement(response, q("wsmid", name)).text = value
    text: bytes = ET.tostring(root, encoding="utf-8")
    return text


def config_element() -> ET.Element:
    """The cfg:Config body of a Get on the config resource (the limits clients read)."""
    config = ET.Element(q("cfg", "Config"))
    for name, value in (
        ("MaxEnvelopeSizekb", str(MAX_ENVELOPE_KB)),
        ("MaxTimeoutms", "60000"),
        ("MaxBatchItems", "32000"),
        ("MaxProviderRequests", "4294967295"),
    ):
        ET.SubElement(config, q("cfg", name)).text = value
    return config
