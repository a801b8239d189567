import subprocess


def status():
    # Show the short status.
    return subprocess.check_output(["git", "status", "--short"], text=True)
