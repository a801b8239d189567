# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import hashlib
import hmac

_MISSING = object()


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


def check_computed(token, user_input, expected: str, given: str, flag):
    # ruleid: vulnloop.is-comparison-of-computed-value
    if token is str(user_input):
        return True
    # ruleid: vulnloop.is-comparison-of-computed-value
    if f"{user_input}-suffix" is not token:
        return False
    digest = hashlib.sha256(token).hexdigest()
    # ruleid: vulnloop.is-comparison-of-computed-value
    if digest is expected:
        return True
    # ruleid: vulnloop.is-comparison-of-computed-value
    if expected is given:
        return True
    # ok: vulnloop.is-comparison-of-computed-value
    if digest is None:
        return False
    # ok: vulnloop.is-comparison-of-computed-value
    if flag is str:
        return False
    # ok: vulnloop.is-comparison-of-computed-value
    if token is _MISSING:
        return False
    # ok: vulnloop.is-comparison-of-computed-value
    return hmac.compare_digest(digest, expected)


def check_request(request, stored_name):
    # ruleid: vulnloop.is-comparison-of-computed-value
    if request.args.get("name") is stored_name:
        return True
    answer = input("continue? ")
    # ruleid: vulnloop.is-comparison-of-computed-value, vulnloop.is-comparison-with-literal
    return answer is not "yes" and answer is stored_name


DEFAULT_TYPE = "multipart/form-data; boundary=%s" % "b0undary"


def encode(data, content_type=DEFAULT_TYPE):
    # ok: vulnloop.is-comparison-of-computed-value
    if content_type is DEFAULT_TYPE:
        return data
    return None
