"""Small, realistic vulnerable snippets our tests scan with the real Bandit."""
from __future__ import annotations

SHELL = '''\
import subprocess


def archive(folder):
    subprocess.call("tar czf backup.tgz %s" % folder, shell=True)
'''

YAML = '''\
import yaml


def load_settings(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)
'''

MD5 = '''\
import hashlib


def password_digest(password):
    return hashlib.md5(password.encode()).hexdigest()
'''

CLEAN = '''\
import json


def load(path):
    with open(path) as handle:
        return json.load(handle)
'''
