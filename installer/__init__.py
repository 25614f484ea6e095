"""Build tooling for the frozen app and the Windows installer; never shipped inside it."""
