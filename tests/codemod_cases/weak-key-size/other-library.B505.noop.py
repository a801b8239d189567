import paramiko

key = paramiko.RSAKey.generate(1024)  # codemod-target
