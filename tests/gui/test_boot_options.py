"""The Output page's boot options write the recipe's [boot] table."""

from __future__ import annotations

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.gui.pages.output import OutputPage
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.media import MediaInfo
from nanostudio.recipe import BootSpec, DebugMethod
from nanostudio.wizard import Page, to_recipe
from tests.gui.conftest import fill_valid, go_to


def test_ems_and_debugging_reach_the_recipe_and_a_loaded_recipe_shows(
    wizard: NanoWizard, sample_media: SampleMedia, media_info: MediaInfo
) -> None:
    fill_valid(wizard, sample_media, media_info)
    go_to(wizard, Page.OUTPUT)
    page = wizard.pages[Page.OUTPUT]
    assert isinstance(page, OutputPage)
    options = page.boot_options
    assert not options.ems_port.isEnabled()  # off by default, ports greyed out
    options.ems_box.click()
    options.debug_box.click()
    options.debug_port.setCurrentIndex(options.debug_port.findData(3))
    assert to_recipe(wizard.state).boot == BootSpec(
        ems=True, debug=DebugMethod.SERIAL, debug_port=3
    )
    options.debug_port.setCurrentIndex(options.debug_port.findData(1))  # EMS's own port
    assert "already the EMS console's port" in page.shown_problems()["boot.debug_port"]
    wizard.state.boot = BootSpec(ems=True, ems_port=7)  # a recipe's port outside COM1-4
    page.load()
    assert options.ems_port.currentText() == "7" and options.ems_box.isChecked()
