# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

# ruleid: vulnloop.world-writable-permissions
os.makedirs("/srv/uploads", 0o777)
# ruleid: vulnloop.world-writable-permissions
os.makedirs("/srv/cache", mode=0o777, exist_ok=True)
# ruleid: vulnloop.world-writable-permissions
Path("/srv/data").mkdir(mode=0o777)
# ruleid: vulnloop.world-writable-permissions
fd = os.open("/srv/data/file", os.O_CREAT | os.O_WRONLY, 0o666)
# ruleid: vulnloop.world-writable-permissions
Path("/srv/data/file").chmod(0o777)
# ok: vulnloop.world-writable-permissions
os.makedirs("/srv/private", 0o700)
# ok: vulnloop.world-writable-permissions
fd2 = os.open("/srv/data/file", os.O_CREAT | os.O_WRONLY, 0o600)
# ruleid: vulnloop.cleared-umask
os.umask(0)
# ok: vulnloop.cleared-umask
os.umask(0o077)


def current_umask():
    # ok: vulnloop.cleared-umask
    mask = os.umask(0)
    os.umask(mask)
    return mask


def share_folder(path):
    # ruleid: vulnloop.world-writable-stat-mode
    os.chmod(path, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    # ok: vulnloop.world-writable-stat-mode
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    # ok: vulnloop.world-writable-stat-mode
    os.chmod(path, os.stat(path).st_mode & ~stat.S_IWOTH)


def save_key(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    with open(path, "wb") as handle:
        # ruleid: vulnloop.private-key-default-permissions
        handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))


def save_key_privately(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        # ok: vulnloop.private-key-default-permissions
        handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))


def save_public_key(path, key):
    with open(path, "wb") as handle:
        # ok: vulnloop.private-key-default-permissions
        handle.write(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))


def save_key_then_restrict(path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    with open(path, "wb") as handle:
        # ok: vulnloop.private-key-default-permissions
        handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    os.chmod(path, 0o600)


def save_api_token(folder, token_text):
    # ruleid: vulnloop.secret-file-default-permissions
    with open(os.path.join(folder, "token"), "w") as handle:
        handle.write(token_text)


def write_credentials(path, blob):
    # ruleid: vulnloop.secret-file-default-permissions
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o640)
    os.write(descriptor, blob)
    os.close(descriptor)


def write_credentials_privately(path, blob):
    # ok: vulnloop.secret-file-default-permissions
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(descriptor, blob)
    os.close(descriptor)


def save_api_token_privately(path, token_text):
    # ok: vulnloop.secret-file-default-permissions
    with open(path, "w", opener=lambda name, flags: os.open(name, flags, 0o600)) as handle:
        handle.write(token_text)


def save_api_token_with_loose_opener(path, token_text):
    # ruleid: vulnloop.secret-file-default-permissions
    with open(path, "w", opener=lambda name, flags: os.open(name, flags, 0o644)) as handle:
        handle.write(token_text)


def store_secret_then_restrict(path, value):
    # ok: vulnloop.secret-file-default-permissions
    with open(path, "w") as handle:
        handle.write(value)
    os.chmod(path, 0o600)


def read_secret(path):
    # ok: vulnloop.secret-file-default-permissions
    with open(path) as handle:
        return handle.read()


def write_report(path, text):
    # ok: vulnloop.secret-file-default-permissions
    with open(path, "w") as handle:
        handle.write(text)
