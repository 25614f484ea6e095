"""Tools for developers and tests, not for building disks: synthetic sample media,
the scripted walk through the wizard and the screenshot renderer."""
