import subprocess


def run(command):
    subprocess.run(command, shell=True, check=True)
