from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("users.xml")


@app.route("/user")
def user():
    name = request.args.get("name", "")
    return str(TREE.xpath("//user[@name='" + name + "']/@email"))
