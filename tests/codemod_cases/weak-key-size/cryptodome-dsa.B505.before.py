from Cryptodome.PublicKey import DSA


def create_private_key_dsa() -> str:
    key = DSA.generate(1024)
    return key.export_key().decode("utf-8")
