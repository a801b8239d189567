import paramiko


class Backup:
    def __init__(self, host):
        self.ssh = paramiko.SSHClient()
        # the deploy key's host is pinned in our own file
        self.ssh.load_host_keys("/etc/backup/known_hosts")
        self.ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        self.ssh.connect(host)
