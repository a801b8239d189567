import paramiko

client = paramiko.SSHClient()
# trust on first use
client.set_missing_host_key_policy(paramiko.client.AutoAddPolicy)
