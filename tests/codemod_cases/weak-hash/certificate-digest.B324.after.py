import hashlib


def certificate_matches(certificate, known_hash):
    """Compare a certificate with a known digest."""
    digest = hashlib.sha256(certificate).hexdigest()  # weak
    return digest == known_hash
