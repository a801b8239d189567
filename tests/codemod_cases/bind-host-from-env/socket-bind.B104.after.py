import os
import socket


def serve(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((os.environ.get("CASE_HOST", "127.0.0.1"), port))
    sock.listen(5)
    return sock
