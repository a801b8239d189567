import subprocess


async def show(name):
    command = ["cat", "--", name]
    return subprocess.check_output(command)
