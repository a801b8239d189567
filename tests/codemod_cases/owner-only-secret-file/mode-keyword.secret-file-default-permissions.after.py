"""Stores tokens."""
import json
import os


async def store_token(path, token):
    with open(path, mode="wb", opener=lambda file, flags: os.open(file, flags, 0o600)) as handle:
        handle.write(json.dumps(token).encode())
