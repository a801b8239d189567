import os


def save_secrete_file(directory: str, filename: str, content: str) -> None:
    with open(f"{directory}/{filename}", "w") as f:
        f.write(content)
    os.chmod(f"{directory}/{filename}", 0o700)
