import requests

r = requests.head("https://example.org", timeout=30)
