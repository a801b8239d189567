def upload(sftp, path):
    sftp.chmod(path, 0o777)
