import tarfile
import zipfile


def unpack(path, destination):
    if tarfile.is_tarfile(path):
        raise ValueError("tar archives are handled elsewhere")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(destination)
