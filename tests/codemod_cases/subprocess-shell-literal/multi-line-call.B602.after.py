from subprocess import run


def listing():
    run(['ls', '-la'],
        check=True)  # fails loudly
