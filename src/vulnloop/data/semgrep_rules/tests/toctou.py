# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os


def read_if_allowed(path):
    if os.access(path, os.R_OK):
        # ruleid: vulnloop.access-check-race
        with open(path) as handle:
            return handle.read()
    return None


def read_directly(path):
    try:
        # ok: vulnloop.access-check-race
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def read_if_exists(path):
    if os.path.exists(path):
        # ruleid: vulnloop.exists-check-race
        with open(path) as handle:
            return handle.read()
    # ok: vulnloop.exists-check-race
    with open(path + ".default") as handle:
        return handle.read()
