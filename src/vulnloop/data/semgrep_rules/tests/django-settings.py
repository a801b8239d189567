# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
# (The file name matches the rule's settings-module path filter.)
import os

# ruleid: vulnloop.django-debug-enabled
DEBUG = True

ALLOWED_HOSTS = ["example.com"]
INSTALLED_APPS = ["django.contrib.auth"]


def configure():
    # ok: vulnloop.django-debug-enabled
    DEBUG = True
    return DEBUG


# ok: vulnloop.django-debug-enabled
TEMPLATE_DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
