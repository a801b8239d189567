import requests


def user(user_id):
    response = requests.get(f"https://api.github.com/users/{user_id}")  # public
    return response.json()
