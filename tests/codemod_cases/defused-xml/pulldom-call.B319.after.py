import xml.dom.pulldom
import defusedxml.pulldom


def events(stream):
    return defusedxml.pulldom.parse(stream)
