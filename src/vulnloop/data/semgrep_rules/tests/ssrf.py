# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import urllib.request
from urllib.parse import quote, quote_plus

import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/fetch")
def fetch():
    # ruleid: vulnloop.ssrf
    return requests.get(request.args["url"]).text


@app.route("/avatar/<user>")
def avatar(user):
    # ruleid: vulnloop.ssrf
    return urllib.request.urlopen("https://" + user + ".example.com/avatar.png").read()


@app.route("/session")
def session_fetch():
    session = requests.Session()
    # ruleid: vulnloop.ssrf
    return session.get(request.args["url"], timeout=5).text


@app.route("/quoted")
def quoted():
    name = quote(request.args["name"], safe="")
    # ok: vulnloop.ssrf
    return requests.get("https://api.example.com/users/" + name, timeout=5).text


@app.route("/allowed")
def allowed():
    host = request.args["host"]
    if host not in {"api.example.com", "cdn.example.com"}:
        return "no", 400
    # ok: vulnloop.ssrf
    return requests.get(f"https://{host}/status", timeout=5).text


@app.route("/dict-get")
def dict_get():
    table = {"a": 1}
    # ok: vulnloop.ssrf
    return str(table.get(request.args["key"]))


def tenant_url(zone, tenant):
    # ruleid: vulnloop.ssrf-from-parameter
    return f"https://{tenant}.{zone}"


def tenant_url_checked(zone, tenant):
    if not re.fullmatch(r"[a-z0-9-]{1,63}", tenant):
        raise ValueError("bad tenant")
    # ok: vulnloop.ssrf-from-parameter
    return f"https://{tenant}.{zone}"


def fetch_order(service_url, order_ref):
    # ruleid: vulnloop.ssrf-from-parameter
    return requests.get(f"{service_url}/{order_ref}", timeout=5)


def fetch_order_checked(service_url, order_ref):
    if not order_ref.isalnum():
        return None
    # ok: vulnloop.ssrf-from-parameter
    return requests.get(f"{service_url}/{order_ref}", timeout=5)


def service_root(service_url):
    # ok: vulnloop.ssrf-from-parameter
    return requests.get(service_url, timeout=5)


ALLOWED_HOSTS = {"api.example.com"}


@app.route("/proxy-allowed")
def proxy_allowed():
    from flask import abort
    from urllib.parse import urlparse

    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    # ok: vulnloop.ssrf
    return requests.get(url, timeout=10).text


@app.route("/proxy-parsed")
def proxy_parsed():
    from urllib.parse import urlparse

    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.netloc not in ALLOWED_HOSTS:
        raise ValueError("host not allowed")
    # ok: vulnloop.ssrf
    return requests.get(url, timeout=10).text


@app.route("/proxy-scheme-only")
def proxy_scheme_only():
    from flask import abort
    from urllib.parse import urlparse

    url = request.args["url"]
    if urlparse(url).scheme not in ("http", "https"):
        abort(400)
    # ruleid: vulnloop.ssrf
    return requests.get(url, timeout=10).text


@app.route("/proxy-logged")
def proxy_logged():
    from urllib.parse import urlparse

    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        app.logger.warning("unexpected host")
    # ruleid: vulnloop.ssrf
    return requests.get(url, timeout=10).text


# A host part: percent-encoding is no defence (parsers decode hosts; quote keeps '.'), validation is.
def get_url_to_visit(domain: str, subdomain_prefix: str) -> str:
    if not subdomain_prefix:
        return f"https://{domain}"
    # ruleid: vulnloop.url-host-encoded
    return f"https://{quote(subdomain_prefix, safe='')}.{domain}"


def tenant_url_concatenated(zone, tenant):
    # ruleid: vulnloop.ssrf-from-parameter, vulnloop.url-host-encoded
    return "https://" + quote(tenant) + "." + zone


def tenant_url_plus(zone, tenant):
    label = quote_plus(tenant)
    # ruleid: vulnloop.url-host-encoded
    return "https://{}.{}".format(label, zone)


def tenant_url_unquoted_concatenation(zone, tenant):
    # ruleid: vulnloop.ssrf-from-parameter
    return "https://" + tenant + "." + zone


def tenant_url_validated(zone: str, tenant: str) -> str | None:
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", tenant):
        return None
    # ok: vulnloop.ssrf-from-parameter, vulnloop.url-host-encoded
    return f"https://{tenant}.{zone}"


def clone_url(owner, repo, user, token):
    # The user name and password before '@' are rightly encoded.
    # ok: vulnloop.url-host-encoded
    return f"https://{quote(user, safe='')}:{quote(token, safe='')}@github.com/{owner}/{repo}.git"


# A path segment: quote()'s default safe='/' keeps '../'; safe='' and quote_plus encode '/'.
def fetch_user(api_url, user_id):
    # ruleid: vulnloop.ssrf-from-parameter
    return requests.get(f"{api_url}/{quote(user_id)}", timeout=5)


def fetch_user_keeping_slash(api_url, user_id):
    segment = quote(user_id, safe="/")
    # ruleid: vulnloop.ssrf-from-parameter
    return requests.get(f"{api_url}/{segment}", timeout=5)


def fetch_user_encoded(api_url, user_id):
    # ok: vulnloop.ssrf-from-parameter
    return requests.get(f"{api_url}/{quote(user_id, safe='')}", timeout=5)


def fetch_user_encoded_positional(api_url, user_id):
    segment = quote(user_id, "")
    # ok: vulnloop.ssrf-from-parameter
    return requests.get(f"{api_url}/{segment}", timeout=5)


def profile_url_checked_then_quoted(base_url: str, member: str) -> str | None:
    # The check guards the parameter inside the quote call.
    if not re.fullmatch(r"[A-Za-z0-9_-]+", member):
        return None
    # ok: vulnloop.ssrf-from-parameter
    return f"{base_url}/{quote(member)}"


def profile_url_concatenated_checked(base_url: str, member: str) -> str:
    if not member.isalnum():
        raise ValueError("invalid member")
    # ok: vulnloop.ssrf-from-parameter
    return base_url + "/" + quote(member)


def profile_url_quoted_unchecked(base_url: str, member: str) -> str:
    # ruleid: vulnloop.ssrf-from-parameter
    return base_url + "/" + quote(member)


def profile_url_checked_other_name(base_url: str, member: str, team: str) -> str | None:
    # A check on another parameter guards nothing here.
    if not team.isalnum():
        return None
    # ruleid: vulnloop.ssrf-from-parameter
    return f"{base_url}/{quote(member)}"


def fetch_user_plus(api_url, user_id):
    # ok: vulnloop.ssrf-from-parameter, vulnloop.url-host-encoded
    return requests.get(f"{api_url}/{quote_plus(user_id)}", timeout=5)


@app.route("/search")
def search():
    # A quoted query value stays fine for the request-data rule.
    # ok: vulnloop.ssrf
    return requests.get("https://api.example.com/search?q=" + quote(request.args["q"]), timeout=5).text
