import paramiko


def connect(pool, host):
    pool.get(host).set_missing_host_key_policy(paramiko.AutoAddPolicy())
    return pool.get(host)
