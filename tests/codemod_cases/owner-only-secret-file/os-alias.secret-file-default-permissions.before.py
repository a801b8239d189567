import os as _os


def write_password(name, secret):
    with open(
        name,
        "a+",
        encoding="utf-8",
    ) as out:
        out.write(secret)
