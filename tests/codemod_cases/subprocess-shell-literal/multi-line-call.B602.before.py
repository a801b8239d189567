from subprocess import run


def listing():
    run('ls -la',
        shell=True,
        check=True)  # fails loudly
