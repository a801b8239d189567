from ssl import PROTOCOL_SSLv3, CERT_REQUIRED, wrap_socket
from ssl import SSLContext
from ssl import PROTOCOL_TLS_SERVER
from ssl import TLSVersion


def accept(conn):
    tls_context = SSLContext(PROTOCOL_TLS_SERVER)
    tls_context.minimum_version = TLSVersion.TLSv1_2
    tls_context.load_cert_chain("server.pem")
    tls_context.load_verify_locations("clients.pem")
    tls_context.verify_mode = CERT_REQUIRED
    return tls_context.wrap_socket(conn, server_side=True)
