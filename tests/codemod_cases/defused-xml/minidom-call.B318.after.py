import xml.dom.minidom
import defusedxml.minidom


def document(path):
    return defusedxml.minidom.parse(path)
