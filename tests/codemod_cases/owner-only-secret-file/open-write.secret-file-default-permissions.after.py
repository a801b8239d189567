import os


def save_secrete_file(directory: str, filename: str, content: str) -> None:
    with open(f"{directory}/{filename}", "w", opener=lambda path, flags: os.open(path, flags, 0o600)) as f:
        f.write(content)
