from random import randint
import secrets

rolls = [secrets.randbelow(6) + 1 for _ in range(3)]
