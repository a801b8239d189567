# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import smtplib
import ssl

import requests


def send_plain(user, password):
    server = smtplib.SMTP("smtp.example.com", 25)
    # ruleid: vulnloop.smtp-login-without-tls
    server.login(user, password)


def send_tls(user, password):
    server = smtplib.SMTP("smtp.example.com", 587)
    server.starttls(context=ssl.create_default_context())
    # ok: vulnloop.smtp-login-without-tls
    server.login(user, password)


def call_api(token):
    # ruleid: vulnloop.credentials-over-http
    return requests.get("http://api.example.com/data", headers={"Authorization": "Bearer " + token})


def call_api_tls(token):
    # ok: vulnloop.credentials-over-http
    return requests.get("https://api.example.com/data", headers={"Authorization": "Bearer " + token})


def call_local(user, password):
    # ok: vulnloop.credentials-over-http
    return requests.get("http://localhost:8080/health", auth=(user, password))
