import requests


def upload(url, payload):
    return requests.post(
        url,
        json=payload,
        timeout=30,
    )
