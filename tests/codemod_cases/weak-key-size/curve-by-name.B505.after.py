from cryptography.hazmat.primitives.asymmetric.ec import SECT163K1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1

key = generate_private_key(curve=SECP256R1())
