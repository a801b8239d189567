import hashlib


def cache_session_token(user, secret):
    return hashlib.md5(user.name.encode() + secret).hexdigest()
