from cryptography.hazmat import backends
from cryptography.hazmat.primitives.asymmetric import ec


def ephemeral_key():
    return ec.generate_private_key(ec.SECP256R1(), backends.default_backend())
