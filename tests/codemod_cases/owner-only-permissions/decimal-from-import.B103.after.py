from os import chmod


class Cache:
    def publish(self, path):
        chmod(path, 0o600)  # rw for everyone
