# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import jwt
from Crypto.Cipher import AES, DES3
from cryptography.hazmat.primitives.ciphers import algorithms

key = b"k" * 16
# ruleid: vulnloop.weak-cipher-mode
cipher = AES.new(key, AES.MODE_ECB)
# ok: vulnloop.weak-cipher-mode
cipher = AES.new(key, AES.MODE_GCM)
# ruleid: vulnloop.weak-cipher
legacy = DES3.new(key, DES3.MODE_CBC)
# ruleid: vulnloop.weak-cipher
algo = algorithms.TripleDES(key)
# ok: vulnloop.weak-cipher
algo = algorithms.AES(key)


def tls(ctx):
    # ruleid: vulnloop.weak-tls-ciphers
    ctx.set_ciphers("RC4-SHA:AES128-SHA")
    # ok: vulnloop.weak-tls-ciphers
    ctx.set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")


def tokens(payload, token, secret):
    # ruleid: vulnloop.jwt-none-algorithm
    unsigned = jwt.encode(payload, None, algorithm="none")
    # ruleid: vulnloop.jwt-none-algorithm
    claims = jwt.decode(token, secret, algorithms=["HS256", "none"])
    # ok: vulnloop.jwt-none-algorithm
    signed = jwt.encode(payload, secret, algorithm="HS256")
    return unsigned, claims, signed
