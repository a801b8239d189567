import defusedxml.ElementTree as ET  # stdlib parser


def root_tag(xml_string):
    try:
        return ET.fromstring(xml_string).tag
    except ET.ParseError:
        return None
