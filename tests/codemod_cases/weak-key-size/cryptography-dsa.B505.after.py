from cryptography.hazmat.primitives.asymmetric.dsa import generate_private_key

KEY = generate_private_key(key_size=2048)
