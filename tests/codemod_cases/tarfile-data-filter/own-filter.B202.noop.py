import tarfile


def unpack(path, destination):
    with tarfile.open(path) as archive:
        archive.extractall(destination, filter="tar")
