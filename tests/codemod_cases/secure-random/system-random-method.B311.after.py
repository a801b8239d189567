import random
import secrets

ratio = secrets.SystemRandom().uniform(0.1, 0.9)
