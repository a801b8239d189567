from hashlib import md5


def etag(body):
    return md5(body).hexdigest()
