"""The host side of Turtles: installs what it needs, builds, boots Bochs+OVMF, reads results."""
