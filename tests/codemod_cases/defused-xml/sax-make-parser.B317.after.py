import xml.sax
import defusedxml.sax


class Handler(xml.sax.ContentHandler):
    pass


def parser_for(handler):
    parser = defusedxml.sax.make_parser()
    parser.setContentHandler(handler)
    return parser
