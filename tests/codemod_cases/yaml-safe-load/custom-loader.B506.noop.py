import yaml

from myapp.loaders import ConfigLoader


def parse(text):
    return yaml.load(text, Loader=ConfigLoader)
