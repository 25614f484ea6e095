"""The wizard's "Edit an existing image": state, navigation and validation, no Qt."""

from __future__ import annotations

from pathlib import Path

from nanostudio.catalogue import Edition
from nanostudio.engine.edit.image_facts import ImageFacts
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.engine.engines import EngineName
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import BootSpec, OutputFormat, RecipeField, Target, resolved_packages
from nanostudio.wizard.navigation import can_go_next, is_busy, next_page
from nanostudio.wizard.state import Page, WizardState, apply_recipe, to_recipe
from nanostudio.wizard.summary import summary_sentences
from nanostudio.wizard.validation import page_problems
from tests.engine_edit.disk_faults import small_windows_disk


def test_editing_writes_beside_the_image_and_skips_the_target_page(tmp_path: Path) -> None:
    state = WizardState()
    image = tmp_path / "nano.vhdx"
    state.start_edit(image)
    assert state.output_path == tmp_path / "nano-edited.vhdx"
    assert state.winrm is False  # as Edit-NanoServerImage: only when asked
    assert next_page(state, Page.SOURCE) is Page.EDITION
    recipe = to_recipe(state)
    assert recipe.edit.image == image and recipe.output.target is None
    state.start_edit(None)
    assert next_page(state, Page.SOURCE) is Page.TARGET


def test_the_image_is_judged_once_read(tmp_path: Path) -> None:
    state = WizardState()
    image = small_windows_disk(tmp_path)
    state.start_edit(image)
    state.reading_edit = True
    assert is_busy(state, Page.SOURCE)
    state.reading_edit = False
    state.edit_error = f"{image} is not a VHD or VHDX file: choose the disk to edit"
    assert [p.field for p in page_problems(state, Page.SOURCE)].count(RecipeField.EDIT_IMAGE) == 1
    assert not can_go_next(state, Page.SOURCE)
    state.take_edit_source(inspect_edit_source(image), ImageFacts())
    assert RecipeField.EDIT_IMAGE not in {p.field for p in page_problems(state, Page.SOURCE)}
    kept = inspect_edit_source(image).size  # the disk keeps its size, shown as typed
    assert state.size_bytes is not None
    assert kept <= state.size_bytes <= kept + 16 * 1024**2
    state.set_output_format(OutputFormat.WIM)
    output = {p.message for p in page_problems(state, Page.OUTPUT)}
    assert any("writes a new .vhdx" in message for message in output)
    assert "Edit " in summary_sentences(state)[0]


def test_a_saved_edit_recipe_opens_as_an_edit(tmp_path: Path) -> None:
    state = WizardState()
    state.start_edit(tmp_path / "old.wim")
    state.edit_index = 2
    reopened = WizardState()
    apply_recipe(reopened, to_recipe(state))
    assert (reopened.edit_image, reopened.edit_index) == (tmp_path / "old.wim", 2)
    assert next_page(reopened, Page.SOURCE) is Page.EDITION


def test_an_edit_adds_no_driver_package_of_the_last_target(filled_state: WizardState) -> None:
    """The Target page is skipped: KVM's OEM drivers, remembered from the last build,
    were added to the edit with no page showing them."""
    assert filled_state.oem  # KVM
    filled_state.start_edit(filled_state.output_path.with_name("old.vhdx"))
    recipe = to_recipe(filled_state)
    assert not (recipe.drivers.oem or recipe.drivers.virtualbox)
    assert "OEM-Drivers" not in {p.short for p in resolved_packages(recipe)}
    filled_state.start_edit(None)  # Welcome's "New image" after all: KVM's drivers again
    assert filled_state.oem and to_recipe(filled_state).drivers.oem


def test_an_edit_s_summary_speaks_of_what_it_adds(filled_state: WizardState) -> None:
    """An edit has no deployment package nor target: "Packages: ." and "the drivers the
    target needs" were said of an edit that added no role."""
    filled_state.start_edit(filled_state.output_path.with_name("old.vhdx"))
    filled_state.roles.clear()
    text = " ".join(summary_sentences(filled_state))
    assert "No package is added." in text and "Packages:" not in text
    assert "target" not in text
    filled_state.roles.append("DSC")
    assert "Packages added: DSC." in " ".join(summary_sentences(filled_state))


def test_boot_options_are_refused_for_a_windows_edit(tmp_path: Path) -> None:
    """The windows engine's edit never runs bcdedit: EMS was dropped without a word."""
    state = WizardState()
    image = small_windows_disk(tmp_path)
    state.start_edit(image)
    state.take_edit_source(inspect_edit_source(image), ImageFacts())
    state.boot = BootSpec(ems=True)
    state.engine = EngineName.WINDOWS
    output = {p.field: p.message for p in page_problems(state, Page.OUTPUT)}
    assert "EMS and kernel debugging cannot be set by an edit" in output[RecipeField.BOOT_EMS]
    state.engine = EngineName.PORTABLE
    assert RecipeField.BOOT_EMS not in {p.field for p in page_problems(state, Page.OUTPUT)}


def test_an_edit_starts_from_what_the_image_is(tmp_path: Path) -> None:
    """Its new answer file replaces the image's: the name and zone must be the image's
    unless changed, and the edition is the image's whatever the media has."""
    state = WizardState()
    image = small_windows_disk(tmp_path)
    state.start_edit(image)
    facts = ImageFacts(Edition.DATACENTER, "WEB7", "Pacific Standard Time", (Target.KVM,))
    state.take_edit_source(inspect_edit_source(image), facts)
    assert (state.edition, state.computer_name, state.timezone) == (
        Edition.DATACENTER,
        "WEB7",
        "Pacific Standard Time",
    )
    recipe = to_recipe(state)
    assert recipe.source.edition is Edition.DATACENTER
    assert recipe.system.computer_name == "WEB7"
    state.take_media(MediaInfo(tmp_path, "wim", "w.wim", 0, (), (), ("en-us",)))
    assert state.edition is Edition.DATACENTER
    unknown = ImageFacts()  # nothing read: what the user had stays
    state.take_edit_source(inspect_edit_source(image), unknown)
    assert state.computer_name == "WEB7"


def test_the_done_page_makes_a_vm_the_edited_image_can_start(tmp_path: Path) -> None:
    """An edit has no target: the remembered one was offered even when the image had no
    driver for its disk controller."""
    state = WizardState()
    state.apply_target(Target.VIRTUALBOX)
    assert state.vm_target() is Target.VIRTUALBOX
    image = small_windows_disk(tmp_path)
    state.start_edit(image)
    assert state.vm_target() is None  # not read yet
    source = inspect_edit_source(image)
    state.take_edit_source(source, ImageFacts(drivable=(Target.HYPERV_GEN2, Target.KVM)))
    assert state.vm_target() is Target.HYPERV_GEN2
    state.take_edit_source(source, ImageFacts(drivable=(Target.KVM, Target.VIRTUALBOX)))
    assert state.vm_target() is Target.VIRTUALBOX  # the remembered one, which it serves
    state.take_edit_source(source, ImageFacts(drivable=()))
    assert state.vm_target() is None


def test_the_image_never_overwrites_a_recipe_s_or_a_typed_name(tmp_path: Path) -> None:
    """Reading the image set its name over a loaded recipe's, and over one typed on the
    Identity page whenever the image was read again (another WIM index)."""
    image = small_windows_disk(tmp_path)
    source = inspect_edit_source(image)
    facts = ImageFacts(Edition.STANDARD, "ORIGINAL", "UTC", ())
    state = WizardState()
    state.start_edit(image)
    state.computer_name = "RENAMED"
    reopened = WizardState()
    apply_recipe(reopened, to_recipe(state))
    reopened.take_edit_source(source, facts)
    assert reopened.computer_name == "RENAMED"
    state.take_edit_source(source, facts)  # the first reading after choosing the image
    assert state.computer_name == "ORIGINAL"
    state.computer_name = "TYPED"
    state.take_edit_source(source, facts)  # read again
    assert state.computer_name == "TYPED"
