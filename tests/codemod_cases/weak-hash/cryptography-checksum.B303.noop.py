from cryptography.hazmat.primitives import hashes


def checksum(blob):
    digest = hashes.Hash(hashes.MD5())
    digest.update(blob)
    return digest.finalize()
