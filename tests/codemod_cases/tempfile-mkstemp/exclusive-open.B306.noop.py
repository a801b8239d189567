import tempfile


def reserve():
    path = tempfile.mktemp()
    with open(path, "x") as handle:
        handle.write("lock")
