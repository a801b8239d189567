import os


def save_api_key(path: str, content: str) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.write(fd, content.encode())
    os.close(fd)
