import os
import tempfile


def export(rows, fd=None):
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w") as handle:
        handle.writelines(rows)
    return path
