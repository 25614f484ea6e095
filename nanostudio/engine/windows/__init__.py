"""The Windows engine: DISM, diskpart and bcdboot on an elevated Windows host."""
