import hashlib


def getPasswordHash(secret, salt):
    m = hashlib.sha1()
    m.update(secret + salt)
    return m.hexdigest()
