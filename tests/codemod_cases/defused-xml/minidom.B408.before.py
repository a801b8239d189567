from xml.dom import minidom


def title(xml_string):
    document = minidom.parseString(xml_string)
    return document.getElementsByTagName("title")[0].firstChild.data
