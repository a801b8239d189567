import tarfile

backup = tarfile.open("backup.tar.gz", "r:gz")
backup.extractall(
    path="/srv/restore",
)
backup.close()
