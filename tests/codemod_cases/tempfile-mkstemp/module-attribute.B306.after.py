import os
import tempfile


def export(rows, fd=None):
    tmp_fd, path = tempfile.mkstemp(suffix=".csv")
    os.close(tmp_fd)
    with open(path, "w") as handle:
        handle.writelines(rows)
    return path
