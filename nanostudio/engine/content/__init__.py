"""What both engines put into the image for its first boot: the staged content,
the answer file and SetupComplete.cmd."""
