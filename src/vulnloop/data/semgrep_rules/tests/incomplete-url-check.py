# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import re
from urllib.parse import urlparse


def is_trusted(url):
    # ruleid: vulnloop.incomplete-url-substring-check
    return "example.com" in url


def is_trusted_suffix(redirect_url):
    # ruleid: vulnloop.incomplete-url-substring-check
    return redirect_url.endswith("example.com")


def is_trusted_prefix(target_url):
    # ruleid: vulnloop.incomplete-url-substring-check
    return target_url.startswith("https://example.com")


def is_trusted_host(url):
    host = urlparse(url).hostname
    # ok: vulnloop.incomplete-url-substring-check
    return host == "example.com" or host.endswith(".example.com")


def is_trusted_prefix_slash(target_url):
    # ok: vulnloop.incomplete-url-substring-check
    return target_url.startswith("https://example.com/")


def not_a_url(filename):
    # ok: vulnloop.incomplete-url-substring-check
    return "notes.txt" in filename


def host_regex(host):
    # ruleid: vulnloop.unescaped-hostname-regex
    return re.match(r"^(www|beta).example.com$", host)


def host_regex_escaped(host):
    # ok: vulnloop.unescaped-hostname-regex
    return re.match(r"^(www|beta)\.example\.com$", host)


def allowed_origin(origin_url, allowed_domain):
    from urllib.parse import urlparse
    parsed = urlparse(origin_url)
    # ruleid: vulnloop.incomplete-host-check
    if parsed.hostname.endswith(allowed_domain):
        return True
    # ruleid: vulnloop.incomplete-host-check
    if allowed_domain in parsed.netloc:
        return True
    # ok: vulnloop.incomplete-host-check
    if parsed.hostname == allowed_domain or parsed.hostname.endswith("." + allowed_domain):
        return True
    # ok: vulnloop.incomplete-host-check
    return parsed.netloc in {allowed_domain, "www." + allowed_domain}
