import hashlib


def cache_session_token(user, secret):
    token = hashlib.sha256(user.encode()).hexdigest()
    return token, secret
