import random
import secrets


def pin_offset(base):
    return base * (secrets.randbelow(6) + 1)
