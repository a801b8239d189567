import os


def save_token(path, token, perms):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, perms)
    os.write(fd, token)
