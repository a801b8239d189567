import xml.etree.cElementTree as ET


def load(path):
    return ET.parse(path).getroot()
