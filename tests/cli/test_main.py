from __future__ import annotations

import subprocess
import sys

from nanostudio.cli.main import COMMAND_MODULES, _modules_for, command_name


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
        "print(sorted(k for k in sys.modules if k.startswith(('pypsrp', 'PySide6'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
