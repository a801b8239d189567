import hashlib


def digest_of(message):
    hasher = hashlib.new('sha256')
    hasher.update(message)
    return hasher.hexdigest()
