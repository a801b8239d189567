import os as _os


def write_password(name, secret):
    with open(
        name,
        "a+",
        encoding="utf-8",
        opener=lambda path, flags: _os.open(path, flags, 0o600),
    ) as out:
        out.write(secret)
