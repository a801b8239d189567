import os
import random
import secrets


def getSessionID():
    seed = os.urandom(2)
    random.seed(a=seed)
    return secrets.randbits(128)
