# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.


def check(role, count):
    # ruleid: vulnloop.is-comparison-with-literal
    if role is "admin":
        return True
    # ruleid: vulnloop.is-comparison-with-literal
    if count is not 1000:
        return False
    # ok: vulnloop.is-comparison-with-literal
    if role is None:
        return False
    # ok: vulnloop.is-comparison-with-literal
    return role == "admin"
