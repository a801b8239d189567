import xml.etree.ElementTree as ET
import defusedxml.ElementTree


def wrap(xml_string):
    root = defusedxml.ElementTree.fromstring(xml_string)  # parse
    outer = ET.Element("outer")
    outer.append(root)
    return ET.tostring(outer)
