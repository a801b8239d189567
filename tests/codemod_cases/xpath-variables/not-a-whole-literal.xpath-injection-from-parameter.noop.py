from lxml import etree


def by_path(root_xml, section):
    root = etree.fromstring(root_xml)
    return root.xpath(f"//{section}/item")


def by_prefix(root_xml, user_id):
    root = etree.fromstring(root_xml)
    return root.xpath(f"//user[@id='user-{user_id}']")


def by_number(root_xml, age):
    root = etree.fromstring(root_xml)
    return root.xpath(f"//user[age > {age}]")


def already_named(root_xml, name):
    root = etree.fromstring(root_xml)
    return root.xpath(f"//user[@name='{name}' and @team=$name]", name="core")
