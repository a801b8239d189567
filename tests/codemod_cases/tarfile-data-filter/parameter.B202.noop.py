import tarfile


def unpack(archive, destination):
    archive.extractall(destination)
