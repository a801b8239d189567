from Crypto.PublicKey import RSA


class RSA:  # a local class of the same name
    @staticmethod
    def generate(bits):
        return bits


key = RSA.generate(1024)
