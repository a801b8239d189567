import random


def pin_offset(base):
    return base * random.randint(1, 6)
