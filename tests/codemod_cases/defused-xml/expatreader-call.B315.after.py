import xml.sax.expatreader
import defusedxml.expatreader


def reader():
    return defusedxml.expatreader.create_parser()
