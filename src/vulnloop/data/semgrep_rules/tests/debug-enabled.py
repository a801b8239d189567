# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os

from flask import Flask

app = Flask(__name__)
# ruleid: vulnloop.debug-enabled
app.debug = True
# ruleid: vulnloop.debug-enabled
app.config["DEBUG"] = True
# ruleid: vulnloop.debug-enabled
app.config.update(DEBUG=True, TESTING=False)
# ok: vulnloop.debug-enabled
app.config["DEBUG"] = os.environ.get("APP_DEBUG") == "1"
# ok: vulnloop.debug-enabled
app.debug = False
