from cryptography.hazmat.primitives.asymmetric import rsa


def new_signing_key():
    # The service signs its session tokens with this key.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
