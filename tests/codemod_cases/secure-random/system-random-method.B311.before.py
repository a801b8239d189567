import random

ratio = random.uniform(0.1, 0.9)
