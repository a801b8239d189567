import socket
import ssl

CERT = "/etc/app/server.pem"


def serve(port):
    listener = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = listener.accept()
        # one TLS connection per client
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.minimum_version = ssl.TLSVersion.TLSv1_2
        tls_context.load_cert_chain(CERT, "/etc/app/server.key")
        stream = tls_context.wrap_socket(conn, server_side=True)
        handle(stream)
