from lxml import etree


def find_student(xml_data: str, username: str, password: str):
    root = etree.fromstring(xml_data)
    query = "//student[username=$username and password=$password]"
    return root.xpath(query, username=username, password=password)
