import yaml


def parse(text):
    data = yaml.load(text, Loader=yaml.FullLoader)  # trusted? no
    return data
