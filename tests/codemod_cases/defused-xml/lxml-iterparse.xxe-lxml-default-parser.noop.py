from lxml import etree


def events(path):
    # iterparse takes no parser: its own resolve_entities keyword would be the fix.
    return list(etree.iterparse(path))
