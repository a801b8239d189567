import random
import string


def session_token(length=32):
    """A token for the session cookie."""
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))
