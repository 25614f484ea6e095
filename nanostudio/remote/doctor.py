"""The connection doctor: walks the layers between "VM started" and "a prompt", live.

    the VM is running → its address is known → the TCP port is open → WinRM answers
    HTTP (401) → the credentials work → a shell opens → ``hostname`` comes back

Each pass starts at the bottom and stops at the first layer that is not there yet;
every change is reported as a ``LayerEvent`` in plain words, with how long that layer
usually takes on first boot. First boot takes minutes and restarts once, so a layer
that passed may fall back: the doctor keeps walking until every layer passes, the
user cancels, a failure is final (a wrong password does not get better by waiting),
or the time is up — then it gives up with a ``Diagnosis`` naming the layer.

No Qt: the GUI runs it on a worker thread and turns events into signals; the CLI
prints them. The same one-pass walk explains ``exec``/``console`` failures.
"""

from __future__ import annotations

import enum
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import RemoteError
from nanostudio.remote.errors import (
    BadCredentialsError,
    CertificateChangedError,
    CertificateUnknownError,
    HostUnreachableError,
    PortClosedError,
    SessionLostError,
)
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.probe import run_winrs, winrs_shell
from nanostudio.remote.settings import ConnectionSettings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0
HTTP_TIMEOUT_S = 5.0
POLL_S = 2.0


class Layer(enum.Enum):
    VM = "The VM is running"
    ADDRESS = "Its address is known"
    PORT = "The WinRM port is open"
    HTTP = "WinRM answers"
    CREDENTIALS = "The user name and password work"
    SHELL = "A shell opens"
    HOSTNAME = "hostname comes back"

    @property
    def words(self) -> str:
        return self.value


LAYERS: tuple[Layer, ...] = tuple(Layer)


class LayerState(enum.StrEnum):
    WAITING = "waiting"
    PASSED = "passed"
    FAILED = "failed"  # final, or the layer the doctor gave up on


# How long each layer typically takes on first boot with KVM (seconds from the start).
FIRST_BOOT_KVM: dict[Layer, float] = {
    Layer.VM: 10,
    Layer.ADDRESS: 10,
    Layer.PORT: 60,
    Layer.HTTP: 8 * 60,
    Layer.CREDENTIALS: 8 * 60 + 10,
    Layer.SHELL: 8 * 60 + 20,
    Layer.HOSTNAME: 8 * 60 + 30,
}
TCG_FACTOR = 15.0
HINTS: dict[Layer, str] = {
    Layer.VM: "Start the VM (or look at why it stopped: its serial log and the hypervisor).",
    Layer.ADDRESS: "With DHCP the address comes from the switch's DHCP server: check the "
    "switch, or build the image with a static address.",
    Layer.PORT: "Nothing listens there: check that the VM runs, that the address and port "
    "are right and that no firewall on the way drops the traffic.",
    Layer.HTTP: "First boot takes minutes: Windows sets itself up, installs the packages and "
    "restarts once; WinRM answers only at the end of it. If it never does, check that WinRM "
    "was enabled in the image and read first boot's log (setupcomplete.log) on the VM's disk.",
    Layer.CREDENTIALS: "Use the administrator password typed for this image (user Administrator).",
    Layer.SHELL: "WinRM answered but would not open a shell: the VM may be restarting "
    "(first boot restarts once); try again in a minute.",
    Layer.HOSTNAME: "The shell opened but the command did not answer: the VM may be busy "
    "finishing first boot; try again in a minute.",
}


@dataclass(frozen=True)
class LayerEvent:
    layer: Layer
    state: LayerState
    detail: str
    elapsed_s: float  # since the doctor started
    expected_s: float | None  # first boot usually reaches this layer within this time

    def __str__(self) -> str:
        mark = {"waiting": "…", "passed": "✓", "failed": "✗"}[self.state.value]
        return f"{mark} {self.layer.words}: {self.detail} ({format_duration(self.elapsed_s)})"


@dataclass(frozen=True)
class Diagnosis:
    """How the walk ended: connected (with the host name), cancelled, or stuck at a layer."""

    ok: bool
    layer: Layer | None
    message: str
    elapsed_s: float
    hostname: str | None = None
    cancelled: bool = False
    hint: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"Connected to {self.hostname} after {format_duration(self.elapsed_s)}."
        if self.cancelled:
            return "Waiting for the VM was cancelled."
        assert self.layer is not None
        text = f"Stuck at “{self.layer.words}”: {self.message}"
        return f"{text} {self.hint}".strip()


@dataclass(frozen=True)
class Check:
    passed: bool
    detail: str
    final: bool = False


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{rest:02d} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d} h"


def expectations(*, kvm: bool = True, first_boot: bool = True) -> dict[Layer, float]:
    if not first_boot:
        return {layer: 30.0 for layer in LAYERS}
    factor = 1.0 if kvm else TCG_FACTOR
    return {layer: seconds * factor for layer, seconds in FIRST_BOOT_KVM.items()}


VmRunning = Callable[[], Check]
AddressLookup = Callable[[], tuple[str, int] | None]


@dataclass
class ConnectionDoctor:
    settings: ConnectionSettings
    password: str
    sink: Callable[[LayerEvent], None] = field(default=lambda event: None)
    vm_running: VmRunning | None = None  # None: not NanoStudio's VM, assumed running
    address: AddressLookup | None = None  # None: settings.host and settings.port
    timeout_s: float = 20 * 60.0
    poll_s: float = POLL_S
    expected: dict[Layer, float] = field(default_factory=expectations)
    cancel: CancelToken = field(default_factory=CancelToken)
    pins: PinStore | None = None
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._shown: dict[Layer, tuple[LayerState, str]] = {}
        self._started = 0.0

    # -- the walk ---------------------------------------------------------------------

    def run(self) -> Diagnosis:
        """Walk until connected, cancelled, a final failure or the timeout."""
        self._started = self.clock()
        while True:
            stuck, check, hostname = self._walk_once()
            elapsed = self.clock() - self._started
            if stuck is None:
                return Diagnosis(True, None, "connected", elapsed, hostname=hostname)
            if check.final or elapsed >= self.timeout_s:
                self._emit(stuck, LayerState.FAILED, check.detail)
                message = check.detail
                if not check.final:
                    message += f" (gave up after {format_duration(elapsed)})"
                return Diagnosis(False, stuck, message, elapsed, hint=HINTS[stuck])
            wait = min(self.poll_s, max(0.0, self.timeout_s - elapsed))
            if self.cancel.wait(wait):
                return Diagnosis(
                    False, stuck, "cancelled", self.clock() - self._started, cancelled=True
                )

    def walk_once(self) -> Diagnosis:
        """One pass, no waiting: why a connection fails right now (``exec``/``console``)."""
        self._started = self.clock()
        stuck, check, hostname = self._walk_once()
        elapsed = self.clock() - self._started
        if stuck is None:
            return Diagnosis(True, None, "connected", elapsed, hostname=hostname)
        return Diagnosis(False, stuck, check.detail, elapsed, hint=HINTS[stuck])

    def _walk_once(self) -> tuple[Layer | None, Check, str | None]:
        settings = self.settings
        checks: list[tuple[Layer, Callable[[], Check]]] = [(Layer.VM, self._check_vm)]
        target: list[tuple[str, int]] = []

        def address() -> Check:
            found = self.address() if self.address is not None else (settings.host, settings.port)
            if found is None or not found[0]:
                return Check(False, "the VM has not reported an address yet")
            try:
                socket.getaddrinfo(found[0], found[1], type=socket.SOCK_STREAM)
            except socket.gaierror:
                return Check(False, f"the name {found[0]!r} cannot be resolved")
            target.append(found)
            return Check(True, f"{found[0]}, port {found[1]}")

        checks.append((Layer.ADDRESS, address))
        checks.append((Layer.PORT, lambda: check_port(*target[0])))
        checks.append((Layer.HTTP, lambda: check_http(*target[0], https=settings.https)))
        result: dict[str, str] = {}
        checks.append((Layer.CREDENTIALS, lambda: self._check_shell(target[0], result)))
        checks.append((Layer.SHELL, lambda: _from_result(result, "shell")))
        checks.append((Layer.HOSTNAME, lambda: _from_result(result, "hostname")))
        for index, (layer, check_layer) in enumerate(checks):
            if self.cancel.cancelled:
                return layer, Check(False, "cancelled"), None
            try:
                check = check_layer()
            except RemoteError as error:
                check = Check(False, str(error))
            if check.passed:
                self._emit(layer, LayerState.PASSED, check.detail)
                continue
            self._emit(
                layer, LayerState.FAILED if check.final else LayerState.WAITING, check.detail
            )
            for later, _ in checks[index + 1 :]:
                self._shown.pop(later, None)  # shown as "not yet" again by the renderers
            return layer, check, None
        return None, Check(True, "connected"), result.get("hostname_text")

    def _emit(self, layer: Layer, state: LayerState, detail: str) -> None:
        if self._shown.get(layer) == (state, detail):
            return
        self._shown[layer] = (state, detail)
        event = LayerEvent(
            layer, state, detail, self.clock() - self._started, self.expected.get(layer)
        )
        log.info("%s", event)
        self.sink(event)

    def _check_vm(self) -> Check:
        if self.vm_running is None:
            return Check(True, "not a VM NanoStudio started (not checked)")
        return self.vm_running()

    def _check_shell(self, target: tuple[str, int], result: dict[str, str]) -> Check:
        """Credentials, shell and hostname in one WinRS round trip; the layers split after."""
        host, port = target
        settings = self.settings.replace(host=host, port=port)
        try:
            with winrs_shell(settings, self.password, self.pins) as (protocol, shell_id):
                result["shell"] = "opened"
                try:
                    out, _err, code = run_winrs(protocol, shell_id, "hostname", [])
                except RemoteError as error:
                    result["hostname"] = "!" + str(error)
                else:
                    name = out.strip()
                    if code == 0 and name:
                        result["hostname"] = name
                        result["hostname_text"] = name
                    else:
                        result["hostname"] = f"!hostname printed nothing (exit code {code})"
        except BadCredentialsError as error:
            return Check(False, str(error), final=True)
        except (CertificateUnknownError, CertificateChangedError) as error:
            return Check(False, str(error), final=True)
        except (HostUnreachableError, PortClosedError, SessionLostError) as error:
            if "shell" in result:
                result.setdefault("hostname", "!" + str(error))
                return Check(True, f"accepted for {settings.user}")
            return Check(False, f"the connection dropped while signing in: {error}")
        except RemoteError as error:
            if "shell" not in result:
                result["shell"] = "!" + str(error)
            else:
                result.setdefault("hostname", "!" + str(error))
        return Check(True, f"accepted for {settings.user}")


def _from_result(result: dict[str, str], key: str) -> Check:
    value = result.get(key, "!no answer")
    if value.startswith("!"):
        return Check(False, value[1:])
    if key == "hostname":
        return Check(True, f"the VM calls itself {value}")
    return Check(True, "a WinRS shell opened")


def check_port(host: str, port: int, timeout_s: float = CONNECT_TIMEOUT_S) -> Check:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return Check(True, f"{host}:{port} accepts connections")
    except ConnectionRefusedError:
        return Check(False, f"nothing listens on {host}:{port} yet")
    except TimeoutError:
        return Check(False, f"{host}:{port} does not answer (no reply within {timeout_s:g} s)")
    except OSError as error:
        return Check(False, f"{host}:{port} cannot be reached: {error.strerror or error}")


def check_http(
    host: str, port: int, *, https: bool = False, timeout_s: float = HTTP_TIMEOUT_S
) -> Check:
    """An unauthenticated POST to /wsman: WinRM answers 401 (it wants credentials).

    With QEMU's or VirtualBox's NAT the forwarded port accepts at once, before Windows
    listens; the connection is then closed or left unanswered, both mean "not yet".
    """
    request = (
        f"POST /wsman HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\n"
        "Content-Type: application/soap+xml;charset=UTF-8\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S) as raw:
            raw.settimeout(timeout_s)
            sock: socket.socket = raw
            if https:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE  # no credentials go out on this probe
                sock = context.wrap_socket(raw, server_hostname=host)
            sock.sendall(request)
            answer = sock.recv(256)
    except TimeoutError:
        return Check(
            False,
            f"{host}:{port} accepts connections but does not answer (nothing within "
            f"{timeout_s:g} s): Windows is not listening yet",
        )
    except ConnectionRefusedError:
        return Check(False, f"nothing listens on {host}:{port} yet")
    except (ConnectionResetError, ssl.SSLError, OSError) as error:
        return Check(False, f"{host}:{port} closed the connection ({error}): not WinRM yet")
    if not answer:
        return Check(False, f"{host}:{port} closed the connection without answering: not yet")
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        return Check(False, f"{host}:{port} answers, but not in HTTP: is this WinRM?")
    if parts[1] == "401":
        return Check(True, "WinRM answers (HTTP 401: it asks for credentials)")
    return Check(False, f"{host}:{port} answers HTTP {parts[1]}, not WinRM's 401")
