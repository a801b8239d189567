from Crypto.PublicKey import RSA

BITS = 1024
key = RSA.generate(BITS)  # codemod-target
