import Crypto.PublicKey.RSA

key = Crypto.PublicKey.RSA.generate(bits=0x400, e=65537)
