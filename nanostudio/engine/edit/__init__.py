"""Editing an existing image (Edit-NanoServerImage): read the source disk or WIM, never
write it, and build a new image from it with the edit's additions."""
