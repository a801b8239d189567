# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import hashlib
import hmac


def check_signature(message, signature, key):
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()
    # ruleid: vulnloop.non-constant-time-comparison
    return signature == expected


def check_digest(message, received, key):
    # ruleid: vulnloop.non-constant-time-comparison
    return hmac.new(key, message, hashlib.sha256).hexdigest() == received


def check_password(user, password):
    # ruleid: vulnloop.non-constant-time-comparison
    return user.password == password


def check_constant_time(signature, expected):
    # ok: vulnloop.non-constant-time-comparison
    return hmac.compare_digest(signature, expected)


def check_kind(token):
    # ok: vulnloop.non-constant-time-comparison
    return token == "operator"


def check_missing(password):
    # ok: vulnloop.non-constant-time-comparison
    return password == None


def validate(actual_pw, typed_pw):
    # ruleid: vulnloop.non-constant-time-comparison
    return actual_pw == typed_pw



class Credentials:
    def __eq__(self, other):
        # ok: vulnloop.non-constant-time-comparison
        return self.password == other.password


def change_password(request):
    # ok: vulnloop.non-constant-time-comparison
    if request.form["password"] != request.form["password2"]:
        return "the passwords differ"
    new_password = request.form["new_password"]
    # ok: vulnloop.non-constant-time-comparison
    if new_password != request.form.get("confirm_password"):
        return "the passwords differ"
    return "ok"
