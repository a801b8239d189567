import os


def save_token(path, token, opener):
    with open(path, "w", opener=opener) as handle:  # codemod-target
        handle.write(token)
