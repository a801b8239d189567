import os
import tempfile


def workspace():
    path = tempfile.mktemp()
    os.mkdir(path)
    return path
