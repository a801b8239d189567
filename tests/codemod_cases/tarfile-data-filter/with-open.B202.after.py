import tarfile


def unpack(upload, destination):
    with tarfile.open(upload) as archive:
        archive.extractall(destination, filter="data")  # user-supplied archive
