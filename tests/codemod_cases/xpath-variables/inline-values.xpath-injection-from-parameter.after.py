import lxml.etree


def titles(path, book, shelf):
    tree = lxml.etree.parse(path).getroot()
    return tree.xpath(
        '//shelf[@id=$id]/book[@title=$title or @isbn=$title]/@n',
        namespaces={},
        id=str(shelf.id),
        title=str(book["title"]),
    )
