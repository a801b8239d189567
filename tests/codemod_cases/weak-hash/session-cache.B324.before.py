import hashlib


def cache_session_token(user, secret):
    token = hashlib.md5(user.encode()).hexdigest()
    return token, secret
