import random


def token(secrets):
    return random.choice(secrets)
