"""Settings loader."""
import yaml  # PyYAML


def load_settings(path):
    # The file is written by users.
    with open(path) as handle:
        return yaml.load(handle)
