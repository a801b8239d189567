# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the libraries' APIs, not taken from any dataset.
import hashlib
import imaplib
import smtplib
import ssl

from Crypto.PublicKey import RSA
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from OpenSSL import SSL

KEY_BITS = 1024


def rsa_key():
    # ruleid: vulnloop.weak-key-size
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def pycryptodome_key():
    bits = 512
    # ruleid: vulnloop.weak-key-size
    return RSA.generate(bits)


def dsa_key():
    # ruleid: vulnloop.weak-key-size
    return dsa.generate_private_key(key_size=1024)


def strong_keys(bits):
    # ok: vulnloop.weak-key-size
    first = RSA.generate(3072)
    # ok: vulnloop.weak-key-size
    second = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # ok: vulnloop.weak-key-size
    third = RSA.generate(bits)
    return first, second, third


def fingerprint(data):
    name = "md5"
    # ruleid: vulnloop.weak-hash-by-name
    return hashlib.new(name, data).hexdigest()


def checksums(data):
    # ok: vulnloop.weak-hash-by-name
    strong = hashlib.new("sha256", data)
    # ok: vulnloop.weak-hash-by-name
    cache_key = hashlib.new("md5", data, usedforsecurity=False)
    return strong, cache_key


def send_mail(host, user, password):
    server = smtplib.SMTP(host, 587)
    # ruleid: vulnloop.starttls-without-context
    server.starttls()
    server.login(user, password)


def send_mail_verified(host, user, password):
    with smtplib.SMTP(host, 587) as server:
        # ok: vulnloop.starttls-without-context
        server.starttls(context=ssl.create_default_context())
        server.login(user, password)


def read_mail(host):
    with imaplib.IMAP4(host) as mailbox:
        # ruleid: vulnloop.starttls-without-context
        mailbox.starttls()


def legacy_context():
    context = ssl.create_default_context()
    # ruleid: vulnloop.obsolete-tls-version
    context.minimum_version = ssl.TLSVersion.TLSv1
    # ok: vulnloop.obsolete-tls-version
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # ruleid: vulnloop.obsolete-tls-version
    old = ssl.SSLContext(ssl.PROTOCOL_TLSv1_1)
    # ruleid: vulnloop.obsolete-tls-version
    pyopenssl = SSL.Context(SSL.TLSv1_METHOD)
    # ok: vulnloop.obsolete-tls-version
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return context, old, pyopenssl, client
