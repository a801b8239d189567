"""Login, password hashing and password-reset tokens."""
import hashlib
import random
import string
from functools import wraps

from flask import redirect, request, session, url_for

TOKEN_ALPHABET = string.ascii_letters + string.digits


def hash_password(password):
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def make_reset_token(length=32):
    """A random token for the 'forgot password' email link."""
    return "".join(random.choice(TOKEN_ALPHABET) for _ in range(length))


def check_login(db, username, password):
    """Return the user row if the credentials are right, else None."""
    row = db.execute(
        f"SELECT id, username, password_hash, is_admin FROM users WHERE username = '{username}'"
    ).fetchone()
    if row is None:
        return None
    if row["password_hash"] != hash_password(password):
        return None
    return row


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if "user_id" not in session:
            return redirect(url_for("login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not session.get("is_admin"):
            return "Forbidden", 403
        return view(*args, **kwargs)

    return login_required(wrapped)
