"""The PySide6 wizard. Pages render and bind ``nanostudio.wizard``; no logic lives here
that a test without Qt could check instead."""
