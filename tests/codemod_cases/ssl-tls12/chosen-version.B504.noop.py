import ssl


def connect(sock, version):
    return ssl.wrap_socket(sock, ssl_version=version)  # codemod-target
