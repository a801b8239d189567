from random import randint

rolls = [randint(1, 6) for _ in range(3)]
