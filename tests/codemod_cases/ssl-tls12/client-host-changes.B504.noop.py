import socket
import ssl


def connect(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ssl_sock = ssl.wrap_socket(sock)
    host = resolve_alias(host)
    ssl_sock.connect((host, port))
    return ssl_sock
