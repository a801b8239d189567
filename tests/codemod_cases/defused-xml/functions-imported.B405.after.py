from defusedxml.ElementTree import fromstring, ParseError


def parse(text):
    try:
        return fromstring(text)
    except ParseError:
        return None
