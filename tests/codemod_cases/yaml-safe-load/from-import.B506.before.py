import yaml
from yaml import load


def parse(text):
    return load(text, yaml.UnsafeLoader)
