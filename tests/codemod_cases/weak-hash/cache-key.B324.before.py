import hashlib


def lookup(store, url):
    cache_key = hashlib.sha1(url.encode()).hexdigest()
    return store.get(cache_key)
