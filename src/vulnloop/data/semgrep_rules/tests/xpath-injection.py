# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import xml.etree.ElementTree as ET

from flask import Flask, request
from lxml import etree

app = Flask(__name__)
tree = etree.parse("users.xml")


@app.route("/user")
def user():
    name = request.args["name"]
    # ruleid: vulnloop.xpath-injection
    nodes = tree.xpath("//user[@name='" + name + "']")
    return str(len(nodes))


@app.route("/compiled")
def compiled():
    # ruleid: vulnloop.xpath-injection
    find = etree.XPath(f"//item[@id='{request.args['id']}']")
    return str(find(tree))


@app.route("/stdlib")
def stdlib():
    root = ET.parse("users.xml").getroot()
    # ruleid: vulnloop.xpath-injection
    return str(root.find(".//user[@name='%s']" % request.args["name"]))


@app.route("/variables")
def variables():
    # ok: vulnloop.xpath-injection
    nodes = tree.xpath("//user[@name=$name]", name=request.args["name"])
    return str(len(nodes))


@app.route("/string-find")
def string_find():
    text = "hello world"
    # ok: vulnloop.xpath-injection
    return str(text.find(request.args["needle"]))


# Library input: an XPath query built from a function's parameters.
def find_student(root, username):
    # ruleid: vulnloop.xpath-injection-from-parameter
    return root.xpath(f"//student[username='{username}']")


def find_student_safely(root, username):
    # ok: vulnloop.xpath-injection-from-parameter
    return root.xpath("//student[username=$name]", name=username)
