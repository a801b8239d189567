# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import ssl

import httpx
import requests
import urllib3
from OpenSSL import SSL

context = ssl.create_default_context()
# ruleid: vulnloop.tls-verification-disabled
context.check_hostname = False
# ruleid: vulnloop.tls-verification-disabled
context.verify_mode = ssl.CERT_NONE
# ruleid: vulnloop.tls-verification-disabled
unverified = ssl._create_unverified_context()
# ruleid: vulnloop.tls-verification-disabled
httpx.get("https://example.com", verify=False)
# ruleid: vulnloop.tls-verification-disabled
pool = urllib3.PoolManager(cert_reqs="CERT_NONE")
session = requests.Session()
# ruleid: vulnloop.tls-verification-disabled
session.verify = False
# ok: vulnloop.tls-verification-disabled
context.verify_mode = ssl.CERT_REQUIRED
# ok: vulnloop.tls-verification-disabled
httpx.get("https://example.com", verify="/etc/ssl/ca.pem")


def client_context():
    # ruleid: vulnloop.tls-context-without-verification
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS)
    return ctx


def pyopenssl_context():
    # ruleid: vulnloop.tls-context-without-verification
    return SSL.Context(SSL.TLS_CLIENT_METHOD)


def verified_pyopenssl_context():
    # ok: vulnloop.tls-context-without-verification
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_PEER, lambda *args: True)
    return ctx


def good_context():
    # ok: vulnloop.tls-context-without-verification
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def required_context():
    # ok: vulnloop.tls-context-without-verification
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
