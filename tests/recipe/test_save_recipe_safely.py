"""Saving a recipe goes through a new temporary file beside it, never a fixed
``.partial`` name: nothing planted there is written through, and a failed save leaves
the old recipe and nothing else."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nanostudio.errors import RecipeError
from nanostudio.files import new_file_mode
from nanostudio.recipe import Recipe
from nanostudio.recipe.toml_io import load_recipe, save_recipe

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and symbolic links")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_symlink_planted_at_the_old_partial_name_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "web.toml"
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (tmp_path / "web.toml.partial").symlink_to(victim)
    save_recipe(Recipe(), target)
    assert victim.read_text() == "untouched"
    assert load_recipe(target).system == Recipe().system
    assert not target.is_symlink()
    assert _names(tmp_path) == ["victim.txt", "web.toml", "web.toml.partial"]


def test_a_stale_partial_lends_no_mode_a_new_recipe_gets_an_ordinary_files(
    tmp_path: Path,
) -> None:
    stale = tmp_path / "web.toml.partial"
    stale.write_text("left by an older version")
    stale.chmod(0o666)
    previous = os.umask(0o027)
    try:
        assert new_file_mode() == 0o640
        save_recipe(Recipe(), tmp_path / "web.toml")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "web.toml").stat().st_mode) == 0o640
    assert stale.read_text() == "left by an older version"


def test_a_replaced_recipe_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "web.toml"
    target.write_text("# old\n")
    target.chmod(0o600)
    save_recipe(Recipe(), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert load_recipe(target).system == Recipe().system


def test_a_failed_rename_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "web.toml"
    target.mkdir()
    (target / "inside").write_text("kept")
    with pytest.raises(RecipeError, match=f"cannot save recipe to {target}"):
        save_recipe(Recipe(), target)
    assert _names(tmp_path) == ["web.toml"]
    assert _names(target) == ["inside"]


def test_a_write_cut_short_leaves_the_old_recipe_and_nothing_else(tmp_path: Path) -> None:
    """A real short write: the file-size limit (RLIMIT_FSIZE) makes write() fail with
    EFBIG part-way, as a full disk would with ENOSPC."""
    target = tmp_path / "web.toml"
    target.write_text("# the old recipe\n")
    script = (
        "import resource, signal, sys; from pathlib import Path;"
        "from nanostudio.errors import RecipeError;"
        "from nanostudio.recipe import Recipe;"
        "from nanostudio.recipe.toml_io import save_recipe;"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
        "hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1];"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (64, hard));"
        "\ntry:\n    save_recipe(Recipe(), Path(sys.argv[1]))\n"
        "except RecipeError as error:\n    print(error)\n    sys.exit(2)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(target)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.strip() == f"cannot save recipe to {target}: File too large"
    assert target.read_text() == "# the old recipe\n"
    assert _names(tmp_path) == ["web.toml"]
