import random

random.seed(1234)  # reproducible test data


def sample_ids(n):
    return [random.randint(1, 10_000) for _ in range(n)]
