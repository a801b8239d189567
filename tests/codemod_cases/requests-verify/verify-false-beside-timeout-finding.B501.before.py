import requests

requests.get('https://semmle.com', verify=False)
