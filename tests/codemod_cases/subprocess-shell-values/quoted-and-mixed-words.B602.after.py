from subprocess import run


def thumbnail(source, size, name):
    # The size and name may be numbers or paths: str() keeps what the shell got.
    run(["convert", str(source), "-resize", f"{size:03d}x", f"--output={name}.png", str(name)], check=True)
