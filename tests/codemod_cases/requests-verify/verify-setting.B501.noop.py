import requests


def fetch(url, verify_tls):
    return requests.get(url, verify=verify_tls, timeout=10)  # codemod-target
