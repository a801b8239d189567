from OpenSSL import SSL


def make_context(cert):
    context = SSL.Context(method=SSL.TLS_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.use_certificate_file(cert)
    return context
