import Crypto.PublicKey.RSA

key = Crypto.PublicKey.RSA.generate(bits=2048, e=65537)
