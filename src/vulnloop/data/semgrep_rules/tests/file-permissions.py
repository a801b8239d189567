# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import stat
from pathlib import Path

# ruleid: vulnloop.world-writable-permissions
os.makedirs("/srv/uploads", 0o777)
# ruleid: vulnloop.world-writable-permissions
os.makedirs("/srv/cache", mode=0o777, exist_ok=True)
# ruleid: vulnloop.world-writable-permissions
Path("/srv/data").mkdir(mode=0o777)
# ruleid: vulnloop.world-writable-permissions
fd = os.open("/srv/data/file", os.O_CREAT | os.O_WRONLY, 0o666)
# ruleid: vulnloop.world-writable-permissions
Path("/srv/data/file").chmod(0o777)
# ok: vulnloop.world-writable-permissions
os.makedirs("/srv/private", 0o700)
# ok: vulnloop.world-writable-permissions
fd2 = os.open("/srv/data/file", os.O_CREAT | os.O_WRONLY, 0o600)
# ruleid: vulnloop.cleared-umask
os.umask(0)
# ok: vulnloop.cleared-umask
os.umask(0o077)


def current_umask():
    # ok: vulnloop.cleared-umask
    mask = os.umask(0)
    os.umask(mask)
    return mask
