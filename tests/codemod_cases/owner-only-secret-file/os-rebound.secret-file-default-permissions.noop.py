def save_secret(path, value, os):
    with open(path, "w") as handle:
        handle.write(value)
