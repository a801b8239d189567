import hashlib
import os
import hmac

SIGNING_KEY = os.environ["APP_SIGNING_KEY"].encode()


def sign(message: bytes) -> str:
    return hmac.new(SIGNING_KEY, message, hashlib.sha256).hexdigest()
