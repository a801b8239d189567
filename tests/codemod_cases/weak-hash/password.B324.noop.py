import hashlib


def store_password(user, password):
    user.hashed = hashlib.md5(password.encode()).hexdigest()
