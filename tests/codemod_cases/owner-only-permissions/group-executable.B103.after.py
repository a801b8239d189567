import os as system


def install(fd):
    system.fchmod(fd, 0o700)
