import yaml


def parse(text):
    data = yaml.safe_load(text)  # trusted? no
    return data
