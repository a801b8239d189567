# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import hashlib
import os
import secrets

import bcrypt

from Crypto.Cipher import AES
from cryptography.hazmat.primitives.ciphers import modes


def encrypt(key, data):
    # ruleid: vulnloop.static-iv
    cipher = AES.new(key, AES.MODE_CBC, b"0000000000000000")
    return cipher.encrypt(data)


def encrypt_zero_iv(key, data):
    # ruleid: vulnloop.static-iv
    cipher = AES.new(key, AES.MODE_CBC, iv=bytes(16))
    return cipher.encrypt(data)


def encrypt_cryptography():
    # ruleid: vulnloop.static-iv
    return modes.CBC(b"\x00" * 16)


def encrypt_random(key, data):
    iv = os.urandom(16)
    # ok: vulnloop.static-iv
    cipher = AES.new(key, AES.MODE_CBC, iv)
    return iv + cipher.encrypt(data)


def mac(key, message):
    import hmac
    # ok: vulnloop.static-iv
    return hmac.new(key, b"message", "sha256")


def hash_password(password):
    # ruleid: vulnloop.constant-salt
    return hashlib.pbkdf2_hmac("sha256", password.encode(), b"static-salt", 600_000)


def hash_password_random(password):
    salt = os.urandom(16)
    # ok: vulnloop.constant-salt
    return salt + hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def encrypt_named_constant(key, data):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    iv = b"\x00" * 16
    # ruleid: vulnloop.static-iv
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    return cipher.encryptor().update(data)


def hash_with_named_salt(password):
    salt = b"pepper"
    # ruleid: vulnloop.constant-salt
    return hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)


def verify_stored(db, name, password):
    salt = b""
    row = db.execute("SELECT salt, hash FROM users WHERE name = ?", (name,)).fetchone()
    if row:
        salt = row["salt"]
    # ok: vulnloop.constant-salt
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def verify_loaded(user, password):
    salt = user.salt
    # ok: vulnloop.constant-salt
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def hash_for_account(account_name, secret):
    salt = hashlib.sha256(account_name.encode()).digest()
    # ruleid: vulnloop.constant-salt
    return hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, 200_000)


def hash_with_random_salt(secret):
    salt = os.urandom(16)
    # ok: vulnloop.constant-salt
    return salt, hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, 200_000)


def hash_batch(passwords):
    salt = os.urandom(16)
    digests = []
    for password in passwords:
        # ruleid: vulnloop.shared-salt
        digest = hashlib.pbkdf2_hmac('sha256', password.encode(), salt, 10000)
        digests.append(digest)
    return salt, digests


def hash_users(users):
    salt = secrets.token_hex(16).encode()
    for user in users:
        secret = user.password.encode()
        # ruleid: vulnloop.shared-salt
        user.password_hash = hashlib.sha256(salt + secret).hexdigest()


def hash_rows(rows):
    salt = secrets.token_bytes(16)
    for name, password in rows:
        # ruleid: vulnloop.shared-salt
        yield name, hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def hash_batch_bcrypt(passwords):
    salt = bcrypt.gensalt()
    # ruleid: vulnloop.shared-salt
    return [bcrypt.hashpw(p.encode(), salt) for p in passwords]


def hash_batch_fresh(passwords):
    stored = []
    for password in passwords:
        salt = os.urandom(16)
        # ok: vulnloop.shared-salt
        stored.append((salt, hashlib.pbkdf2_hmac('sha256', password.encode(), salt, 10000)))
    return stored


def hash_batch_with(passwords, salt):
    # The caller chose the salt.
    # ok: vulnloop.shared-salt
    return [hashlib.pbkdf2_hmac('sha256', p.encode(), salt, 10000) for p in passwords]


def stretch(password, rounds):
    salt = os.urandom(16)
    digest = password.encode()
    for counter in range(rounds):
        # One password hashed many times.
        # ok: vulnloop.shared-salt
        digest = hashlib.sha256(salt + digest + counter.to_bytes(4, "big")).digest()
    return salt, digest
