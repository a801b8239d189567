import paramiko

client = paramiko.SSHClient()
# trust on first use
client.load_system_host_keys()
client.set_missing_host_key_policy(paramiko.client.RejectPolicy)
