import socket
import ssl

CERT = "/etc/app/server.pem"


def serve(port):
    listener = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = listener.accept()
        # one TLS connection per client
        stream = ssl.wrap_socket(conn, server_side=True, certfile=CERT, keyfile="/etc/app/server.key")
        handle(stream)
