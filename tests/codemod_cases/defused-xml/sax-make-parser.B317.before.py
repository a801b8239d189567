import xml.sax


class Handler(xml.sax.ContentHandler):
    pass


def parser_for(handler):
    parser = xml.sax.make_parser()
    parser.setContentHandler(handler)
    return parser
