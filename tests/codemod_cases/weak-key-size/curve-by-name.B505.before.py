from cryptography.hazmat.primitives.asymmetric.ec import SECT163K1, generate_private_key

key = generate_private_key(curve=SECT163K1)
