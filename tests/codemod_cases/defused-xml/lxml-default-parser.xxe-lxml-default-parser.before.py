from lxml import etree


def student_names(xml_data: str) -> list[str]:
    root = etree.fromstring(xml_data)
    return [name.text for name in root.iter("name")]
