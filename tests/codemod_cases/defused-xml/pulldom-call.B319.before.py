import xml.dom.pulldom


def events(stream):
    return xml.dom.pulldom.parse(stream)
