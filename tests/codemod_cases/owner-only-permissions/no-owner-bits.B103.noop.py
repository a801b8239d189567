import os

os.chmod("shared.log", 0o077)
