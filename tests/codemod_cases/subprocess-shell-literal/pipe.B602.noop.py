import subprocess


def count():
    return subprocess.check_output("ps aux | wc -l", shell=True)
