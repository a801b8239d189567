import subprocess


def clean():
    subprocess.run("rm -f build/*.o", shell=True)
