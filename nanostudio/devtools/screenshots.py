"""Render every page, filled with the sample media, to PNG files (offscreen).

Also the Build page mid-build and the Done page, from a real build with the
portable engine.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, QTranslator
from PySide6.QtWidgets import QWidget

from nanostudio.devtools.sample_media import write_sample_media
from nanostudio.devtools.walk import (
    PASSWORD_FOR_SAMPLES,
    WizardWalker,
    open_sample_wizard,
    wait_until,
    write_sample_drivers,
)
from nanostudio.gui.app import create_application, dispose
from nanostudio.recipe.model import Target
from nanostudio.wizard.navigation import is_busy
from nanostudio.wizard.pages import BuildStatus, Page
from nanostudio.wizard.state import WizardState

log = logging.getLogger(__name__)
SIZE = QSize(900, 720)
BUILD_TIMEOUT_S = 300


class DoublingTranslator(QTranslator):
    """Every translated string twice: shows whether layouts survive 2x longer text."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return f"{source} {source.replace('&', '')}"


def settled(state: WizardState, page: Page) -> Callable[[], bool]:
    return lambda: not is_busy(state, page)


def render_screenshots(dest: Path, *, size: QSize = SIZE, long_strings: bool = False) -> list[Path]:
    """Write ``NN-page.png`` files into ``dest``; returns their paths in page order."""
    dest.mkdir(parents=True, exist_ok=True)
    app = create_application()
    translator = DoublingTranslator()
    if long_strings:
        app.installTranslator(translator)
    try:
        with tempfile.TemporaryDirectory(prefix="nanostudio-screens-") as temp:
            return _render(dest, Path(temp), size)
    finally:
        app.removeTranslator(translator)


def write_sample_msu(folder: Path, name: str) -> Path:
    """An .msu as Microsoft's are laid out: an update cab (here a servicing stack
    update: it lists the servicingstack component's manifest) and WSUSSCAN.cab."""
    work = folder / (name + ".parts")
    inner = work / "inner"
    inner.mkdir(parents=True, exist_ok=True)
    (inner / "update.mum").write_text("<assembly/>", encoding="utf-8")
    manifest = "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.14393.2300_none_0"
    (inner / f"{manifest}.manifest").write_text("<assembly/>", encoding="utf-8")
    cab = work / (Path(name).stem + ".cab")
    gcab = shutil.which("gcab") or "gcab"
    subprocess.run(
        [gcab, "--create", "--zip", str(cab), *sorted(p.name for p in inner.iterdir())],
        cwd=inner,
        check=True,
    )
    (work / "WSUSSCAN.cab").write_bytes(b"MSCF")
    msu = folder / name
    subprocess.run(
        [gcab, "--create", "--zip", str(msu), cab.name, "WSUSSCAN.cab"], cwd=work, check=True
    )
    shutil.rmtree(work)
    return msu


def sample_updates(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """A stand-in servicing stack update (.msu made with gcab) and things to copy."""
    folder.mkdir(parents=True, exist_ok=True)
    update = write_sample_msu(folder, "windows10.0-kb4132216-x64.msu")
    tools = folder / "Tools"
    tools.mkdir(exist_ok=True)
    (tools / "PsExec64.exe").write_bytes(b"MZ" + bytes(700_000))
    (tools / "readme.txt").write_text("Tools for the server\n", encoding="utf-8")
    note = folder / "build-info.txt"
    note.write_text("Built with NanoStudio\n", encoding="utf-8")
    return [update], [(tools, "Program Files"), (note, "")]


def _render(dest: Path, work: Path, size: QSize) -> list[Path]:
    sample = write_sample_media(work / "sample")
    drivers = write_sample_drivers(work / "drivers")
    wizard = open_sample_wizard(work, size)
    state = wizard.state
    walker = WizardWalker(wizard)
    written: list[Path] = []

    def shot(name: str, window: QWidget | None = None) -> None:
        # A page that just grew (a filled list) has a layout request pending: without
        # it the scroll bar shows over a body still as wide as before, as no user sees.
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        shown = window or wizard
        shown.repaint()
        path = dest / f"{len(written) + 1:02d}-{name}.png"
        if not shown.grab().save(str(path)):
            raise OSError(f"cannot write {path}")
        written.append(path)
        log.info("wrote %s", path)

    steps: list[tuple[str, Page, Callable[[], None]]] = [
        ("source", Page.SOURCE, lambda: walker.source(sample.iso or sample.root)),
        ("target", Page.TARGET, lambda: walker.target(Target.VIRTUALBOX)),
        ("edition", Page.EDITION, lambda: walker.roles("DNS", "NPDS")),
        ("drivers", Page.DRIVERS, lambda: walker.drivers(drivers)),
        ("updates", Page.UPDATES, lambda: walker.updates(*sample_updates(work / "updates"))),
        (
            "identity",
            Page.IDENTITY,
            lambda: walker.identity("NANO1", PASSWORD_FOR_SAMPLES, "europe"),
        ),
        (
            "network",
            Page.NETWORK,
            lambda: walker.static_network("192.168.56.10", 24, "192.168.56.1", "192.168.56.1"),
        ),
        ("output", Page.OUTPUT, lambda: None),
        ("summary", Page.SUMMARY, lambda: None),
    ]
    shot("welcome")
    for name, page, fill in steps:
        walker.next(page)
        fill()
        wait_until(settled(state, page), 60, f"{page.name} to settle")
        shot(name)
    walker.next(Page.BUILD)
    build = wizard.build_page
    wait_until(
        lambda: build.progress.value() >= 350 or not state.build_status.active,
        BUILD_TIMEOUT_S,
        "the build to pass 35 %",
    )
    shot("build")
    wait_until(lambda: not state.build_status.active, BUILD_TIMEOUT_S, "the build to end")
    if state.build_status is not BuildStatus.SUCCEEDED:
        raise RuntimeError(f"the sample build did not succeed: {state.outcome}")
    wait_until(lambda: wizard.current() is Page.DONE, 10, "the Done page")
    shot("done")
    built = state.output_path
    wizard.close()
    dispose(wizard)
    _render_edit(work / "edit", size, sample.root, built, shot)
    return written


def _render_edit(
    work: Path, size: QSize, media: Path, disk: Path, shot: Callable[[str, QWidget], None]
) -> None:
    """Welcome's "Edit an existing image" on the disk just built, to a real new disk."""
    from nanostudio.gui.pages.welcome import WelcomePage

    work.mkdir()
    wizard = open_sample_wizard(work, size)
    state = wizard.state
    walker = WizardWalker(wizard)
    welcome = wizard.pages[Page.WELCOME]
    assert isinstance(welcome, WelcomePage)
    welcome.edit_image(disk)
    walker.source(media)
    wait_until(settled(state, Page.SOURCE), 60, "the image to edit to be read")
    shot("edit-source", wizard)
    walker.next(Page.EDITION)  # no Target page: the image keeps its drivers
    walker.roles("DSC")
    shot("edit-edition", wizard)
    for page in (Page.DRIVERS, Page.UPDATES, Page.IDENTITY):
        walker.next(page)
    walker.identity("NANO1-EDITED", PASSWORD_FOR_SAMPLES)
    walker.next(Page.NETWORK)
    walker.static_network("192.168.56.20", 24, "192.168.56.1", "192.168.56.1")
    shot("edit-network", wizard)
    walker.next(Page.OUTPUT)
    shot("edit-output", wizard)
    walker.next(Page.SUMMARY)
    wait_until(settled(state, Page.SUMMARY), 60, "the edit's plan check")
    shot("edit-summary", wizard)
    walker.next(Page.BUILD)
    wait_until(lambda: not state.build_status.active, BUILD_TIMEOUT_S, "the edit to end")
    if state.build_status is not BuildStatus.SUCCEEDED:
        raise RuntimeError(f"the sample edit did not succeed: {state.outcome}")
    wait_until(lambda: wizard.current() is Page.DONE, 10, "the Done page")
    shot("edit-done", wizard)
    wizard.close()
    dispose(wizard)
