def load_token(path):
    with open(path, mode="r") as handle:
        return handle.read()
