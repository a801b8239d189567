import ssl


def open_channel(sock, version=ssl.PROTOCOL_TLSv1_2):
    return ssl.wrap_socket(sock, ssl_version=version)
