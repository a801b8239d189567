# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import json

from flask import Flask, request
from pymongo import MongoClient

app = Flask(__name__)
users = MongoClient().app.users


@app.route("/login", methods=["POST"])
def login():
    body = request.get_json()
    # ruleid: vulnloop.nosql-injection
    user = users.find_one({"name": body["name"], "password": body["password"]})
    return "ok" if user else "no"


@app.route("/search")
def search():
    query = json.loads(request.args["q"])
    # ruleid: vulnloop.nosql-injection
    return str(list(users.find(query)))


@app.route("/where")
def where():
    # ruleid: vulnloop.nosql-where-injection
    return str(list(users.find({"$where": "this.name == '" + request.args["name"] + "'"})))


@app.route("/login-strings", methods=["POST"])
def login_strings():
    body = request.get_json()
    # ok: vulnloop.nosql-injection
    user = users.find_one({"name": str(body["name"])})
    return "ok" if user else "no"


@app.route("/by-name")
def by_name():
    # ok: vulnloop.nosql-injection, vulnloop.nosql-where-injection
    return str(list(users.find({"name": request.args["name"]})))


def search_users(request):
    # ruleid: vulnloop.orm-lookup-injection
    found = User.objects.filter(**request.GET.dict())
    # ok: vulnloop.orm-lookup-injection
    named = User.objects.filter(username=request.GET.get("username", ""))
    return found, named


@app.route("/documents")
def documents():
    # ruleid: vulnloop.orm-lookup-injection
    return str(Document.objects(__raw__=request.get_json()))


class User:
    objects = None


class Document:
    objects = None


@app.route("/by-name-eq")
def by_name_eq():
    data = request.get_json()
    # ok: vulnloop.nosql-injection
    return str(db.users.find_one({"name": {"$eq": data["name"]}}))
