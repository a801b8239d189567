"""Stores tokens."""
import json


async def store_token(path, token):
    with open(path, mode="wb") as handle:
        handle.write(json.dumps(token).encode())
