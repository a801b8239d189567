from ssl import PROTOCOL_SSLv3, CERT_REQUIRED, wrap_socket


def accept(conn):
    return wrap_socket(conn, server_side=True, certfile="server.pem", ca_certs="clients.pem",
                       cert_reqs=CERT_REQUIRED, ssl_version=PROTOCOL_SSLv3)
