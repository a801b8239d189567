from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys


class KeyStore:
    async def rotate(self):
        self.key = rsa_keys.generate_private_key(65537, 2048, default_backend())
