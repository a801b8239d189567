import hashlib
import os

SIGNING_KEY = os.environ["APP_SIGNING_KEY"].encode()


def sign(message: bytes) -> str:
    return hashlib.sha1(SIGNING_KEY + message).hexdigest()
