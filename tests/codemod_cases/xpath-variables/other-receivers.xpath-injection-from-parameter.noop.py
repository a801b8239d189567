from lxml import etree


def scrape(response, name):
    # A Scrapy response or parsel Selector: not lxml's xpath.
    return response.xpath(f"//a[@title='{name}']/@href").getall()


def given(element, name):
    return element.xpath(f"//a[@title='{name}']")


def compiled(root_xml, name):
    find = etree.XPath(f"//a[@title='{name}']")
    return find(etree.fromstring(root_xml))


def used_twice(root_xml, name):
    root = etree.fromstring(root_xml)
    query = f"//a[@title='{name}']"
    print(query)
    return root.xpath(query)


def moved_call(root_xml, name):
    root = etree.fromstring(root_xml)
    query = f"//a[@title='{name.strip()}']"
    return root.xpath(query)
