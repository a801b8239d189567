"""Nightly copy of the database to the finance backup host over SFTP."""
import os
import time

import paramiko

from config import BACKUP_HOST, BACKUP_KEY_FILE, BACKUP_USER


def push_backup(db_path, remote_dir="/srv/backups/expenses"):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(BACKUP_HOST, username=BACKUP_USER, key_filename=BACKUP_KEY_FILE)
    try:
        sftp = client.open_sftp()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        remote_path = f"{remote_dir}/expenses-{stamp}.db"
        sftp.put(db_path, remote_path)
        sftp.close()
    finally:
        client.close()
    return remote_path


if __name__ == "__main__":
    print(push_backup(os.environ.get("EXPENSES_DB", "expenses.db")))
