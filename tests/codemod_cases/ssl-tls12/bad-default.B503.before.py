import ssl


def open_channel(sock, version=ssl.PROTOCOL_SSLv3):
    return ssl.wrap_socket(sock, ssl_version=version)
