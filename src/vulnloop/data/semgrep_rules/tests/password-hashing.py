# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import hashlib


def store(password):
    # ruleid: vulnloop.password-fast-hash
    return hashlib.sha256(password.encode()).hexdigest()


def store_md5(user):
    # ruleid: vulnloop.password-fast-hash
    return hashlib.md5(user.password.encode("utf-8")).hexdigest()


def store_salted(password, salt):
    # ruleid: vulnloop.password-fast-hash
    return hashlib.sha512(salt + password.encode()).hexdigest()


def store_update(password):
    digest = hashlib.sha1()
    # ruleid: vulnloop.password-fast-hash
    digest.update(password)
    return digest.hexdigest()


def store_kdf(password, salt):
    # ok: vulnloop.password-fast-hash
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def checksum(data):
    # ok: vulnloop.password-fast-hash
    return hashlib.sha256(data).hexdigest()
