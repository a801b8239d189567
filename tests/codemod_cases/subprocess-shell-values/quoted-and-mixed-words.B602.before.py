from subprocess import run


def thumbnail(source, size, name):
    # The size and name may be numbers or paths: str() keeps what the shell got.
    run(f"convert '{source}' -resize {size:03d}x --output={name}.png \"{name}\"", shell=True, check=True)
