import xml.etree.ElementTree as ET


def document(title):
    root = ET.Element("doc")
    ET.SubElement(root, "title").text = title
    return ET.tostring(root)
