import hashlib


def sign(message):
    hasher = hashlib.new('sha256')
    hasher.update(message)
    return hasher.hexdigest()
