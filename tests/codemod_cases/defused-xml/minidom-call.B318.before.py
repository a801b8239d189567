import xml.dom.minidom


def document(path):
    return xml.dom.minidom.parse(path)
