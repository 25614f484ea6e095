"""Each page's title and subtitle, and the words an edit uses instead.

One table, shown by ``PageBase`` when a page is made and each time it is entered:
an edit (Welcome's "Edit an existing image") changes some of them, and the pages no
longer each test for it. The Done page is not here: its words depend on how the
build ended. Each text keeps its page's class as its translation context.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP, Text
from nanostudio.wizard.pages import Page


@dataclass(frozen=True)
class Headings:
    title: Text
    subtitle: Text
    edit_title: Text | None = None  # None: the same when editing an image
    edit_subtitle: Text | None = None

    def for_edit(self, editing: bool) -> tuple[Text, Text]:
        """The title and subtitle to show, editing an image or not."""
        if not editing:
            return self.title, self.subtitle
        return self.edit_title or self.title, self.edit_subtitle or self.subtitle


HEADINGS: dict[Page, Headings] = {
    Page.WELCOME: Headings(
        QT_TRANSLATE_NOOP("WelcomePage", "Welcome to NanoStudio"),
        QT_TRANSLATE_NOOP(
            "WelcomePage",
            "Build a bootable Windows Server 2016 Nano Server disk from the ISO alone: "
            "no ADK, no PowerShell module, no guessing which drivers a VM needs.",
        ),
    ),
    Page.SOURCE: Headings(
        QT_TRANSLATE_NOOP("SourcePage", "Windows Server 2016 media"),
        QT_TRANSLATE_NOOP(
            "SourcePage",
            "Choose the ISO, the folder it was copied to, or NanoServer.wim. "
            "You can also drop it on this page.",
        ),
        edit_title=QT_TRANSLATE_NOOP("SourcePage", "The image to edit, and the media"),
    ),
    Page.TARGET: Headings(
        QT_TRANSLATE_NOOP("TargetPage", "Where will this server run?"),
        QT_TRANSLATE_NOOP(
            "TargetPage",
            "The choice sets the drivers and the disk format; you can adjust them below.",
        ),
    ),
    Page.EDITION: Headings(
        QT_TRANSLATE_NOOP("EditionPage", "Edition and roles"),
        QT_TRANSLATE_NOOP("EditionPage", "Choose what the server is for. Each role is a package."),
        edit_subtitle=QT_TRANSLATE_NOOP(
            "EditionPage",
            "Choose the roles to add. An edit does not change the image's edition.",
        ),
    ),
    Page.DRIVERS: Headings(
        QT_TRANSLATE_NOOP("DriversPage", "Drivers"),
        QT_TRANSLATE_NOOP(
            "DriversPage",
            "Optional: add folders of unpacked drivers (.inf files) for hardware the "
            "OEM drivers do not cover.",
        ),
        edit_subtitle=QT_TRANSLATE_NOOP(
            "DriversPage",
            "Optional: add folders of unpacked drivers (.inf files); the drivers the "
            "image has are kept.",
        ),
    ),
    Page.UPDATES: Headings(
        QT_TRANSLATE_NOOP("UpdatesPage", "Updates and files"),
        QT_TRANSLATE_NOOP(
            "UpdatesPage",
            "Optional: cumulative and servicing stack updates (.msu or .cab from the "
            "Microsoft Update Catalog), and files or folders to put into the image.",
        ),
    ),
    Page.IDENTITY: Headings(
        QT_TRANSLATE_NOOP("IdentityPage", "Name, password and time zone"),
        QT_TRANSLATE_NOOP(
            "IdentityPage",
            "The administrator password is used only for this build; it is never saved.",
        ),
        edit_subtitle=QT_TRANSLATE_NOOP(
            "IdentityPage",
            "The new image's answer file, with this name, password and time zone, "
            "replaces the image's own. The password is never saved.",
        ),
    ),
    Page.NETWORK: Headings(
        QT_TRANSLATE_NOOP("NetworkPage", "Network and remote access"),
        QT_TRANSLATE_NOOP(
            "NetworkPage",
            "A static address makes the server reachable at a known place, even on a "
            "Hyper-V Internal switch, which has no DHCP.",
        ),
    ),
    Page.OUTPUT: Headings(
        QT_TRANSLATE_NOOP("OutputPage", "Output"),
        QT_TRANSLATE_NOOP(
            "OutputPage", "Where to write the disk, how big it may grow, and how to build it."
        ),
    ),
    Page.SUMMARY: Headings(
        QT_TRANSLATE_NOOP("SummaryPage", "Summary"),
        QT_TRANSLATE_NOOP("SummaryPage", "Check the build, then press Build."),
        edit_subtitle=QT_TRANSLATE_NOOP("SummaryPage", "Check the edit, then press Build."),
    ),
    Page.BUILD: Headings(
        QT_TRANSLATE_NOOP("BuildPage", "Building"),
        QT_TRANSLATE_NOOP(
            "BuildPage", "You can keep using your computer; the window stays responsive."
        ),
    ),
}
