from defusedxml import expatbuilder


def document(text):
    return expatbuilder.parseString(text)
