import yaml
from yaml import load
from yaml import safe_load


def parse(text):
    return safe_load(text)
