"""An original disk and WIM built once from the sample media, for the edits to read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.recipe import OutputSpec, PackagesSpec, Recipe, SourceSpec, SystemSpec, Target
from tests.engine_portable.helpers import build

GIB = 1 << 30


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Original:
    path: Path
    digest: str
    media: Path


def _original(media: SampleMedia, folder: Path, name: str) -> Original:
    """Host deployment with DSC, no target: no boot driver beyond the image's own."""
    recipe = Recipe(
        source=SourceSpec(media=media.root, deployment=Deployment.HOST),
        packages=PackagesSpec(("DSC",)),
        system=SystemSpec(computer_name="ORIGINAL", timezone="W. Europe Standard Time"),
        output=OutputSpec(path=folder / name, size=2 * GIB, target=Target.PHYSICAL),
    )
    outcome = build(recipe)
    assert outcome.was_successful(), outcome
    return Original(recipe.output.path, sha256(recipe.output.path), media.root)


@pytest.fixture(scope="session")
def original_vhdx(sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory) -> Original:
    return _original(sample_media, tmp_path_factory.mktemp("original"), "original.vhdx")


@pytest.fixture(scope="session")
def original_wim(sample_media: SampleMedia, tmp_path_factory: pytest.TempPathFactory) -> Original:
    return _original(sample_media, tmp_path_factory.mktemp("original-wim"), "original.wim")
