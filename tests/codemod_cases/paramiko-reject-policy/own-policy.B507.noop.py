import paramiko

from myapp.ssh import PinnedKeyPolicy

client = paramiko.SSHClient()
client.set_missing_host_key_policy(PinnedKeyPolicy())  # codemod-target
