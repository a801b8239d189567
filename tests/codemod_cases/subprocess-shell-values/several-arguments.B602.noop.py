import subprocess


def listing(opts, path):
    subprocess.run(f"ls {opts} {path}", shell=True)


def build(target, extra_args):
    subprocess.run("make " + target + " " + " ".join(extra_args), shell=True)


def quoted(path):
    subprocess.run(f"ls {path!r}", shell=True)


def padded(path):
    subprocess.run(f"ls {path:>20}", shell=True)


def shown(path):
    command = f"ls {path}"
    print(command)
    subprocess.run(command, shell=True)


def built_earlier(path):
    command = f"ls {path}"
    print("listing")
    subprocess.run(command, shell=True)
