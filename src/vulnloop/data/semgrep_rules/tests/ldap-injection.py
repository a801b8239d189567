# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import ldap
import ldap3
from flask import Flask, request
from ldap.filter import escape_filter_chars
from ldap3.utils.conv import escape_filter_chars as escape3

app = Flask(__name__)


@app.route("/user")
def user():
    name = request.args["name"]
    conn = ldap.initialize("ldap://directory")
    # ruleid: vulnloop.ldap-injection
    return str(conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + name + ")"))


@app.route("/dc")
def dc():
    base = "dc={}".format(request.args["dc"])
    conn = ldap.initialize("ldap://directory")
    # ruleid: vulnloop.ldap-injection
    return str(conn.search_s(base, ldap.SCOPE_SUBTREE, "(objectClass=*)"))


@app.route("/ldap3")
def with_ldap3():
    server = ldap3.Server("ldap://directory")
    conn = ldap3.Connection(server, auto_bind=True)
    # ruleid: vulnloop.ldap-injection
    conn.search("dc=example,dc=com", f"(&(objectClass=person)(cn={request.args['cn']}))")
    return str(conn.entries)


@app.route("/escaped")
def escaped():
    name = escape_filter_chars(request.args["name"])
    conn = ldap.initialize("ldap://directory")
    # ok: vulnloop.ldap-injection
    return str(conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + name + ")"))


@app.route("/escaped3")
def escaped3():
    server = ldap3.Server("ldap://directory")
    conn = ldap3.Connection(server, auto_bind=True)
    # ok: vulnloop.ldap-injection
    conn.search("dc=example,dc=com", "(cn=%s)" % escape3(request.args["cn"]))
    return str(conn.entries)


@app.route("/regex")
def regex_search():
    import re
    # ok: vulnloop.ldap-injection
    return str(re.search("a+", request.args["text"]))


# Library input: an LDAP filter built from a function's parameters.
def find_person(connection, uid):
    # ruleid: vulnloop.ldap-injection-from-parameter
    connection.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={uid})")


def find_person_safely(connection, uid):
    # ok: vulnloop.ldap-injection-from-parameter
    connection.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={escape_filter_chars(uid)})")
