from cryptography.hazmat.primitives import hashes


def fingerprint(public_key_bytes):
    digest = hashes.Hash(hashes.SHA256())
    digest.update(public_key_bytes)
    return digest.finalize()
