# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
from urllib.parse import urlparse, urlsplit

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from flask import Flask, abort, redirect, request, url_for

app = Flask(__name__)
ALLOWED_HOSTS = {"example.com", "www.example.com"}


@app.route("/login")
def login():
    # ruleid: vulnloop.open-redirect
    return redirect(request.args.get("next", "/"))


@app.route("/go/<path:target>")
def go(target):
    # ruleid: vulnloop.open-redirect
    return redirect("https://" + target)


def django_view(request):
    # ruleid: vulnloop.open-redirect
    return HttpResponseRedirect(request.GET["next"])


def django_checked(request):
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    # ok: vulnloop.open-redirect
    return HttpResponseRedirect(target)


@app.route("/parsed")
def parsed():
    target = request.args.get("next", "/")
    if urlparse(target).netloc:
        return redirect(url_for("index"))
    # A parse is no check: "/\\evil.com" and "https:evil.com" have no netloc, and browsers go there.
    # ruleid: vulnloop.open-redirect
    return redirect(target)


@app.route("/netloc-empty")
def netloc_empty():
    target = request.args.get("next", "/")
    if not urlparse(target).netloc:
        # ruleid: vulnloop.open-redirect
        return redirect(target)
    return redirect("/")


@app.route("/host-allowed")
def host_allowed():
    target = request.args.get("next", "/")
    if urlparse(target).hostname in ALLOWED_HOSTS:
        # ok: vulnloop.open-redirect
        return redirect(target)
    return redirect("/")


@app.route("/host-checked-first")
def host_checked_first():
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    if parts.netloc != request.host:
        abort(400)
    # ok: vulnloop.open-redirect
    return redirect(target)


@app.route("/host-checked-elsewhere")
def host_checked_elsewhere():
    target = request.args.get("next", "/")
    known = urlparse(target).netloc in ALLOWED_HOSTS
    log(known)
    # ruleid: vulnloop.open-redirect
    return redirect(target)


@app.route("/fixed-host")
def fixed_host():
    page = request.args.get("page", "")
    # ok: vulnloop.open-redirect
    redirect("https://docs.example.com/" + page)
    # ok: vulnloop.open-redirect
    redirect(f"https://docs.example.com/{page}")
    # ok: vulnloop.open-redirect
    redirect("https://docs.example.com/%s" % page)
    # The host itself is open: "https://docs.example.com" + ".evil.net".
    # ruleid: vulnloop.open-redirect
    return redirect("https://docs.example.com" + page)


@app.route("/internal")
def internal():
    # ok: vulnloop.open-redirect
    return redirect(url_for("profile", user=request.args["user"]))


@app.route("/allowed")
def allowed():
    target = request.args["to"]
    if target in {"/home", "/account"}:
        # ok: vulnloop.open-redirect
        return redirect(target)
    return redirect("/")


@app.route("/self")
def to_self():
    # ok: vulnloop.open-redirect
    return redirect(request.full_path)


def django_append_slash(request):
    from django.http import HttpResponsePermanentRedirect
    # ok: vulnloop.open-redirect
    return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))


def django_checked_keyword(request):
    from django.utils.http import url_has_allowed_host_and_scheme
    target = request.POST.get("next")
    if not url_has_allowed_host_and_scheme(url=target, allowed_hosts={request.get_host()}):
        target = "/"
    # ok: vulnloop.open-redirect
    return HttpResponseRedirect(target)


def django_current_path(request):
    target = request.path
    target = target + "?saved=1"
    # ok: vulnloop.open-redirect
    return HttpResponseRedirect(target)


def django_https_upgrade(request):
    # ok: vulnloop.open-redirect
    return HttpResponseRedirect("https://%s%s" % (request.get_host(), request.get_full_path()))

