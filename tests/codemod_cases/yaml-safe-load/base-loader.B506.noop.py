import yaml


def parse(text):
    # BaseLoader is already safe and keeps every scalar a string.
    return yaml.load(text, Loader=yaml.BaseLoader)
