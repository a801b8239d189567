import hashlib


def sign(message):
    hasher = hashlib.new('md5')
    hasher.update(message)
    return hasher.hexdigest()
