import subprocess


def count(path):
    return subprocess.check_output(f"ls {path} | wc -l", shell=True)


def run_tool(tool, path):
    subprocess.run(f"{tool} --check {path}", shell=True)


def home(user):
    subprocess.run(f"ls ~{user}", shell=True)


def grep(pattern, path):
    subprocess.run(f"grep --regexp='{pattern}' {path}", shell=True)


def env_var(path):
    subprocess.run(f"ls $HOME/{path}", shell=True)


def two_lines(path):
    subprocess.run(f"ls {path}\nrm -f {path}", shell=True)
