# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the standard library's API, not taken from any dataset.
import hmac
import os
import re
import socket
import subprocess

from werkzeug.security import check_password_hash


def verify(signature, expected, stored_hash, password):
    # ruleid: vulnloop.discarded-check-result
    hmac.compare_digest(signature, expected)
    # ruleid: vulnloop.discarded-check-result
    check_password_hash(stored_hash, password)
    # ok: vulnloop.discarded-check-result
    if not hmac.compare_digest(signature, expected):
        raise PermissionError("bad signature")
    # ok: vulnloop.discarded-check-result
    valid = check_password_hash(stored_hash, password)
    return valid


def validate(name):
    # ruleid: vulnloop.discarded-check-result
    re.fullmatch(r"[a-z]+", name)
    # ok: vulnloop.discarded-check-result
    return re.fullmatch(r"[a-z]+", name) is not None


def clean(name, path):
    # ruleid: vulnloop.discarded-string-result
    name.replace("../", "")
    # ruleid: vulnloop.discarded-string-result
    name.strip()
    # ok: vulnloop.discarded-string-result
    name = name.replace("../", "")
    # ok: vulnloop.discarded-string-result
    path.replace("/srv/target")
    # ok: vulnloop.discarded-string-result
    print(name.lower())
    return name


def drop_privileges(user):
    # ruleid: vulnloop.unchecked-exit-status
    subprocess.call(["chown", "-R", user, "/srv/data"])
    # ruleid: vulnloop.unchecked-exit-status
    subprocess.run(["chmod", "700", "/srv/data"])
    # ok: vulnloop.unchecked-exit-status
    subprocess.run(["chmod", "700", "/srv/data"], check=True)
    # ok: vulnloop.unchecked-exit-status
    if subprocess.call(["id", user]) != 0:
        raise RuntimeError(user)
    # ok: vulnloop.unchecked-exit-status
    status = os.system("true")
    return status


def notify(host, message):
    connection = socket.create_connection((host, 9000))
    # ruleid: vulnloop.unchecked-socket-send
    connection.send(message)
    # ok: vulnloop.unchecked-socket-send
    connection.sendall(message)
    # ok: vulnloop.unchecked-socket-send
    sent = connection.send(message)
    return sent


def emit(signal, sender):
    # ok: vulnloop.unchecked-socket-send
    signal.send(sender)
