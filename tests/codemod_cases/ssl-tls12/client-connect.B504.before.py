import socket
import ssl


def connect(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Wrap the socket in SSL
    ssl_sock = ssl.wrap_socket(sock)
    ssl_sock.connect((host, port))
    return ssl_sock
