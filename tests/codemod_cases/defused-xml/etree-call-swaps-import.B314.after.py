import defusedxml.ElementTree as ET


def users():
    tree = ET.parse('users.xml')
    return tree.getroot()
