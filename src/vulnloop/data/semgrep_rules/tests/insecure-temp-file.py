# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import tempfile

# ruleid: vulnloop.insecure-temp-file
name = tempfile.mktemp()
# ruleid: vulnloop.insecure-temp-file
handle = open(os.path.join(tempfile.gettempdir(), "report.txt"), "w")
# ok: vulnloop.insecure-temp-file
fd, path = tempfile.mkstemp()
# ok: vulnloop.insecure-temp-file
with tempfile.NamedTemporaryFile("w") as temp:
    temp.write("data")
