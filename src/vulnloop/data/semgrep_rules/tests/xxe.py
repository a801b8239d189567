# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import xml.etree.ElementTree as ET
import xml.sax
from xml.sax.handler import feature_external_ges

from flask import Flask, request
from lxml import etree

app = Flask(__name__)

# ruleid: vulnloop.xxe-entity-resolution
unsafe_parser = etree.XMLParser(resolve_entities=True)
# ruleid: vulnloop.xxe-entity-resolution
dtd_parser = etree.XMLParser(load_dtd=True, no_network=True)
# ok: vulnloop.xxe-entity-resolution, vulnloop.xxe-lxml-parser-defaults
safe_parser = etree.XMLParser(resolve_entities=False, no_network=True)
# ruleid: vulnloop.xml-huge-tree
big_parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
# ok: vulnloop.xml-huge-tree
bounded_parser = etree.XMLParser(resolve_entities=False, huge_tree=False)


def sax_parser():
    parser = xml.sax.make_parser()
    # ruleid: vulnloop.xxe-entity-resolution
    parser.setFeature(feature_external_ges, True)
    return parser


@app.route("/upload", methods=["POST"])
def upload():
    # ruleid: vulnloop.xxe-lxml-default-parser
    doc = etree.fromstring(request.data)
    # ok: vulnloop.xxe-lxml-default-parser
    safe = etree.fromstring(request.data, parser=safe_parser)
    return doc.tag + safe.tag


def read_config(path):
    # ruleid: vulnloop.xxe-lxml-default-parser
    return etree.parse(path)


@app.route("/stdlib", methods=["POST"])
def stdlib():
    # ruleid: vulnloop.xml-bomb
    root = ET.fromstring(request.data)
    return root.tag


@app.route("/defused", methods=["POST"])
def defused():
    import defusedxml.ElementTree as DET
    # ok: vulnloop.xml-bomb
    root = DET.fromstring(request.data)
    return root.tag


def parse_settings(path):
    # ruleid: vulnloop.xxe-lxml-parser-defaults
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.parse(path, parser)
