from xml.dom import pulldom


def events(text):
    return pulldom.parseString(text)
