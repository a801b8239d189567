import subprocess


def go_home():
    subprocess.call("cd /srv/app", shell=True)
