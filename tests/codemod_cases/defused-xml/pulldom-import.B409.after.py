from defusedxml import pulldom


def events(text):
    return pulldom.parseString(text)
