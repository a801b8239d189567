import re


def search_pattern(pattern: str, content: str) -> bool:
    # Does the user's text occur in the content?
    return bool(re.search(re.escape(pattern), content))
