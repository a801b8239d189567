from lxml import etree


def student_names(xml_data: str) -> list[str]:
    root = etree.fromstring(xml_data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    return [name.text for name in root.iter("name")]
