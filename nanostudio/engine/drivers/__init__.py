"""Boot-critical and network drivers: which a target needs, where they come from,
and how the portable engine puts them into the image offline (see DESIGN.md)."""
