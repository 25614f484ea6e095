from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nanostudio.cli.main import COMMAND_MODULES, _modules_for, command_name, main


def test_only_the_chosen_command_module_is_imported() -> None:
    assert _modules_for(["-v", "sample-media", "/tmp/x"]) == ("sample_media_cmd",)
    assert _modules_for([]) == ()  # the GUI: no command module at all
    assert _modules_for(["--help"]) == COMMAND_MODULES
    assert _modules_for(["no-such-command"]) == COMMAND_MODULES


def test_every_module_has_a_distinct_command_name() -> None:
    names = [command_name(m) for m in COMMAND_MODULES]
    assert len(set(names)) == len(names)
    assert "sample-media" in names


def test_quick_commands_do_not_import_the_remote_stack() -> None:
    script = (
        "import sys\n"
        "from nanostudio.cli import main as m\n"
        "m.build_parser(m._modules_for(['recipe', 'check', 'x']))\n"
        "print(sorted(k for k in sys.modules if k.startswith(('pypsrp', 'psrpcore', 'PySide6'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_recipe_path_alone_opens_the_wizard_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """How Explorer opens a double-clicked ``.nanostudio.toml``: ``NanoStudio.exe FILE``."""
    from nanostudio.gui import app

    calls: list[tuple[bool, Path | None]] = []

    def fake_run(smoke_test: bool = False, recipe: Path | None = None) -> int:
        calls.append((smoke_test, recipe))
        return 0

    monkeypatch.setattr(app, "run", fake_run)
    assert main([r"C:\Users\me\lab.nanostudio.toml"]) == 0
    assert main([]) == 0
    assert main(["./lab.nanostudio.toml"]) == 0  # Path() would spell it "lab.nanostudio.toml"
    assert calls == [
        (False, Path(r"C:\Users\me\lab.nanostudio.toml")),
        (False, None),
        (False, Path("lab.nanostudio.toml")),
    ]
