import requests


def fetch(url):
    # Talk to the billing API.
    response = requests.get(url, verify=False, timeout=10)
    return response.json()
