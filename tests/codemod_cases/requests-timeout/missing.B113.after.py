import requests


def user(user_id):
    response = requests.get(f"https://api.github.com/users/{user_id}", timeout=30)  # public
    return response.json()
