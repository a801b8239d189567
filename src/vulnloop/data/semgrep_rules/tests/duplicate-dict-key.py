# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the language's semantics, not taken from any dataset.
import itertools

ROLE = "role"

# ruleid: vulnloop.duplicate-dict-key
PERMISSIONS = {"read": True, "write": False, "read": False}

# ruleid: vulnloop.duplicate-dict-key
HEADERS = {ROLE: "viewer", "x": 1, ROLE: "admin"}

# ok: vulnloop.duplicate-dict-key
SETTINGS = {"read": True, "write": False}

counter = itertools.count()
# ok: vulnloop.duplicate-dict-key
NUMBERED = {next(counter): "a", next(counter): "b"}

# ruleid: vulnloop.duplicate-dict-key
ROUTES = dict([("home", "/"), ("login", "/login"), ("home", "/start")])


def build_headers(token):
    headers = {}
    # ruleid: vulnloop.duplicate-dict-key
    headers["Authorization"] = "Basic"
    headers["Authorization"] = "Bearer " + token
    # ok: vulnloop.duplicate-dict-key
    headers["Accept"] = "text/plain"
    headers["Accept"] = headers["Accept"] + ", application/json"
    return headers
