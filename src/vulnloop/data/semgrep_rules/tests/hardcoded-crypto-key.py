# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the libraries' APIs, not taken from any dataset.
import base64
import hashlib
import hmac
import os

from Crypto.Cipher import AES
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MODULE_KEY = b"0123456789abcdef0123456789abcdef"
HEX_KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
TEXT_KEY = "a text key of 32 characters ...."


def sign(message):
    # ruleid: vulnloop.hardcoded-crypto-key
    return hmac.new(b"signing-key", message, "sha256").hexdigest()


def sign_with_environment_key(message):
    # ok: vulnloop.hardcoded-crypto-key
    return hmac.new(os.environ["MAC_KEY"].encode("utf-8"), message, "sha256").hexdigest()


def encrypt_with_module_key(data):
    # ruleid: vulnloop.hardcoded-crypto-key
    cipher = AES.new(MODULE_KEY, AES.MODE_GCM)
    return cipher.encrypt_and_digest(data)


def encrypt_with_local_key(data):
    key = "sixteen byte key".encode()
    # ruleid: vulnloop.hardcoded-crypto-key
    cipher = AES.new(key, AES.MODE_EAX)
    return cipher.encrypt_and_digest(data)


def encrypt_with_hex_key(data, nonce):
    # ruleid: vulnloop.hardcoded-crypto-key
    return AESGCM(HEX_KEY).encrypt(nonce, data, None)


def encrypt_with_cryptography(data, iv):
    # ruleid: vulnloop.hardcoded-crypto-key
    encryptor = Cipher(algorithms.AES(b"k" * 32), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def fernet_from_base64():
    # ruleid: vulnloop.hardcoded-crypto-key
    return Fernet(base64.urlsafe_b64decode("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))


def fernet_from_environment():
    # ok: vulnloop.hardcoded-crypto-key
    return Fernet(os.environ["FERNET_KEY"])


def encrypt_with_random_key(data):
    key = os.urandom(32)
    # ok: vulnloop.hardcoded-crypto-key
    cipher = AES.new(key, AES.MODE_GCM)
    return key, cipher.encrypt_and_digest(data)


# ruleid: vulnloop.hardcoded-private-key
SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB
-----END RSA PRIVATE KEY-----"""
# ruleid: vulnloop.hardcoded-private-key
INLINE_KEY = b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
# ok: vulnloop.hardcoded-private-key
PEM_HEADER = "-----BEGIN PRIVATE KEY-----"


def encrypt_with_encoded_constant(data):
    # ruleid: vulnloop.hardcoded-crypto-key
    cipher = AES.new(TEXT_KEY.encode("utf-8"), AES.MODE_GCM)
    return cipher.encrypt_and_digest(data)


def encrypt_with_default(data, key=b"default-key-0123"):
    # ruleid: vulnloop.hardcoded-crypto-key
    return AES.new(key, AES.MODE_GCM).encrypt_and_digest(data)


def derive_from_written_password(salt):
    # ruleid: vulnloop.hardcoded-crypto-key
    return hashlib.pbkdf2_hmac("sha256", b"correct horse battery", salt, 600_000)


def derive_from_password(password, salt):
    # ok: vulnloop.hardcoded-crypto-key
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 600_000)


def mixed_key(salt):
    # ok: vulnloop.hardcoded-crypto-key
    return hmac.new(derive(TEXT_KEY, salt), b"data", "sha256")


class Vault:
    def __init__(self):
        self.secret = b"0123456789abcdef"
        self.nonce_size = 12

    def seal(self, data):
        # ruleid: vulnloop.hardcoded-crypto-key
        return AES.new(self.secret, AES.MODE_GCM).encrypt_and_digest(data)


class EnvironmentVault:
    def __init__(self):
        self.secret = os.environ["VAULT_KEY"].encode()

    def seal(self, data):
        # ok: vulnloop.hardcoded-crypto-key
        return AES.new(self.secret, AES.MODE_GCM).encrypt_and_digest(data)


def derive(secret, salt):
    return secret + salt
