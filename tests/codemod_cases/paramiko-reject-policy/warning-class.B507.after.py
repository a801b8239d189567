from paramiko import SSHClient, WarningPolicy
from paramiko import RejectPolicy

client = SSHClient()
client.load_system_host_keys()
client.set_missing_host_key_policy(RejectPolicy)
