from OpenSSL import SSL


def make_context(cert):
    context = SSL.Context(method=SSL.TLSv1_METHOD)
    context.use_certificate_file(cert)
    return context
