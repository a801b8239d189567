import lxml.etree


def load(path):
    return lxml.etree.parse(path, None).getroot()
