import hashlib


def checksum(blob):
    return hashlib.md5(blob, usedforsecurity=False).hexdigest()  # codemod-target
