import os
import random


def getSessionID():
    seed = os.urandom(2)
    random.seed(a=seed)
    return random.getrandbits(128)
