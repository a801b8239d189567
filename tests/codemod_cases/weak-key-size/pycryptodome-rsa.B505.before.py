from Crypto.PublicKey import RSA


def create_private_key() -> str:
    key = RSA.generate(1024)  # too small
    return key.export_key().decode("utf-8")
