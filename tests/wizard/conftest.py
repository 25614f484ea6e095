"""Wizard model fixtures: a state filled in as a user would, with the sample media."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.media import MediaInfo, inspect_media
from nanostudio.secret import Secret
from nanostudio.wizard import Target, WizardState


@pytest.fixture(scope="session")
def sample_info(sample_media: SampleMedia) -> MediaInfo:
    return inspect_media(sample_media.root)


@pytest.fixture
def filled_state(sample_media: SampleMedia, sample_info: MediaInfo, tmp_path: Path) -> WizardState:
    """Every page answered validly (KVM target: Host + OEM, a VHDX)."""
    state = WizardState(output_path=tmp_path / "nano.vhdx")
    state.set_media(sample_media.root)
    state.take_media(sample_info)
    state.apply_target(Target.KVM)
    state.password = Secret("Nano-Pass1")
    state.password_confirm = Secret("Nano-Pass1")
    return state
