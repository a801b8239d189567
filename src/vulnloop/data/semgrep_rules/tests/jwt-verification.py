# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import jwt
from jose import jwt as jose_jwt


def claims(token):
    # ruleid: vulnloop.jwt-signature-not-verified
    return jwt.decode(token, options={"verify_signature": False})


def claims_old(token):
    # ruleid: vulnloop.jwt-signature-not-verified
    return jwt.decode(token, verify=False)


def claims_jose(token):
    # ruleid: vulnloop.jwt-signature-not-verified
    return jose_jwt.get_unverified_claims(token)


def claims_verified(token, key):
    # ok: vulnloop.jwt-signature-not-verified
    return jwt.decode(token, key, algorithms=["HS256"])


def header(token):
    # ok: vulnloop.jwt-signature-not-verified
    return jwt.get_unverified_header(token)
