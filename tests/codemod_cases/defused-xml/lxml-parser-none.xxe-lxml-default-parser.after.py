import lxml.etree


def load(path):
    return lxml.etree.parse(path, lxml.etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
