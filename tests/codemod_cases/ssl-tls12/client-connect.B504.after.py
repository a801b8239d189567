import socket
import ssl


def connect(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Wrap the socket in SSL
    tls_context = ssl.create_default_context()
    tls_context.minimum_version = ssl.TLSVersion.TLSv1_2
    ssl_sock = tls_context.wrap_socket(sock, server_hostname=host)
    ssl_sock.connect((host, port))
    return ssl_sock
