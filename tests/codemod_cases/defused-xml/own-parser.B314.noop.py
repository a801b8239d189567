import xml.etree.ElementTree as ET


def parse(text, parser):
    return ET.fromstring(text, parser=parser)
