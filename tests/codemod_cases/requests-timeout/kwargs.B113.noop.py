import requests


def get(url, **options):
    return requests.get(url, **options)
