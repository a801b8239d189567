# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import smtplib

import jwt
import requests
from flask import Flask

app = Flask(__name__)
# ruleid: vulnloop.hardcoded-secret-key
app.secret_key = "s3cr3t-k3y-for-sessions"
# ruleid: vulnloop.hardcoded-secret-key
app.config["SECRET_KEY"] = "another-literal-secret"
# ok: vulnloop.hardcoded-secret-key
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
# ok: vulnloop.hardcoded-secret-key
app.config["APP_NAME"] = "my application"
# ruleid: vulnloop.hardcoded-secret-key
SECRET_KEY = "django-insecure-0123456789abcdef"


def make_token(payload):
    # ruleid: vulnloop.hardcoded-secret-key
    return jwt.encode(payload, "my-jwt-secret", algorithm="HS256")


def verify(token):
    # ok: vulnloop.hardcoded-secret-key
    return jwt.decode(token, os.environ["JWT_KEY"], algorithms=["HS256"])


def send_mail():
    server = smtplib.SMTP_SSL("smtp.example.com")
    # ruleid: vulnloop.hardcoded-credentials
    server.login("mailer", "Pa55w0rd!")
    # ok: vulnloop.hardcoded-credentials
    server.login("mailer", os.environ["SMTP_PASSWORD"])


def fetch():
    # ruleid: vulnloop.hardcoded-credentials
    return requests.get("https://api.example.com", auth=("bot", "hunter22"))


# ruleid: vulnloop.hardcoded-credentials
DATABASE_URL = "postgresql://app:supersecret@db.internal:5432/app"
# ok: vulnloop.hardcoded-credentials
DATABASE_URL_TEMPLATE = "postgresql://{user}:{password}@db/app"
# ok: vulnloop.hardcoded-credentials
PUBLIC_URL = "https://example.com/path"
