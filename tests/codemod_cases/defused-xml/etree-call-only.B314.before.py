import xml.etree.ElementTree as ET


def wrap(xml_string):
    root = ET.fromstring(xml_string)  # parse
    outer = ET.Element("outer")
    outer.append(root)
    return ET.tostring(outer)
