"""Create, start, stop and delete a VM for a built disk (QEMU, VirtualBox, Hyper-V); no Qt."""
