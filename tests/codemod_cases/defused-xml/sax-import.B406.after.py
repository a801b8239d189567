from defusedxml import sax


def read(source, handler):
    sax.parse(source, handler)
