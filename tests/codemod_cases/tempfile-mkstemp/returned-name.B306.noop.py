import tempfile


def fresh_name():
    name = tempfile.mktemp()
    return name
