import hashlib


def digest_of(message):
    hasher = hashlib.new('md5')
    hasher.update(message)
    return hasher.hexdigest()
