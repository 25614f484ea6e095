"""NanoStudio: bootable Nano Server disks without the Windows ADK."""

APP_NAME = "NanoStudio"
__version__ = "0.1.0"
