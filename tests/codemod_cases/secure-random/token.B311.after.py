import random
import string
import secrets


def session_token(length=32):
    """A token for the session cookie."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))
