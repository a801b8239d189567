import re

import regex


def already_escaped(pattern, content):
    pattern = re.escape(pattern)
    return re.search(pattern, content)


def built(prefix, content):
    return re.match(f"^{prefix}[0-9]+$", content)


def other_module(pattern, content):
    return regex.search(pattern, content, timeout=0.1)


def joined(words, content):
    return re.findall("|".join(words), content)
